//! Where a signed-in account's tokens are kept, so that the next run signs
//! in silently: the [`TokenStore`] trait, [`MemoryTokenStore`] (the default,
//! forgotten when the process ends) and [`FileTokenStore`] (one private JSON
//! file).
//!
//! Nothing a store holds is ever shown: [`StoredToken`]'s `Debug` redacts its
//! tokens, the stores' `Debug` shows only how many entries or which file, and
//! their errors name the file and the problem, never a value from it.

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::AccessToken;
use crate::Secret;

/// Which entry of a [`TokenStore`]: one per tenant, app, account and set of
/// scopes, at one authority.
///
/// The scopes are kept sorted and without repeats, so their order does not
/// make another entry. The [`authority`](Self::with_authority) (the sign-in
/// root, such as `https://login.microsoftonline.com`) is part of the key:
/// a refresh token is sent only to the authority that issued it, never to
/// another cloud or a test server that shares the tenant's name.
///
/// ```
/// use graph_core::auth::StoreKey;
///
/// let a = StoreKey::new("contoso", "app", "megan", ["Files.Read", "offline_access"]);
/// let b = StoreKey::new("contoso", "app", "megan", ["offline_access", "Files.Read"]);
/// assert_eq!(a, b);
/// assert_ne!(a, b.with_authority("https://login.microsoftonline.us"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreKey {
    /// Empty when not given.
    authority: String,
    tenant: String,
    client_id: String,
    account: String,
    scopes: Vec<String>,
}

impl StoreKey {
    /// The entry of `account` (a name the caller picks, such as the user's
    /// sign-in name) signed in to app `client_id` of `tenant` for `scopes`.
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        account: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let mut scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        scopes.sort();
        scopes.dedup();
        Self {
            authority: String::new(),
            tenant: tenant.into(),
            client_id: client_id.into(),
            account: account.into(),
            scopes,
        }
    }

    /// The same entry at `authority` (the sign-in root; none by default).
    pub fn with_authority(mut self, authority: impl Into<String>) -> Self {
        self.authority = authority.into();
        self
    }

    /// The authority the tokens come from (empty when not given).
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The tenant (an id or a domain).
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The app's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The account name.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The scopes, sorted.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

/// What is kept for one account: its refresh token, and its access token
/// with the wall-clock time it expires. `Debug` shows neither token.
#[derive(Clone, Default)]
pub struct StoredToken {
    refresh_token: Option<Secret>,
    access_token: Option<(AccessToken, SystemTime)>,
}

impl StoredToken {
    /// An entry with `refresh_token` and `access_token` (which expires at the given time).
    pub fn new(
        refresh_token: Option<Secret>,
        access_token: Option<(AccessToken, SystemTime)>,
    ) -> Self {
        Self {
            refresh_token,
            access_token,
        }
    }

    /// The refresh token, if one was issued.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }

    /// The access token and when it expires.
    pub fn access_token(&self) -> Option<(&AccessToken, SystemTime)> {
        self.access_token.as_ref().map(|(token, at)| (token, *at))
    }
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("refresh_token", &self.refresh_token)
            .field("access_token", &self.access_token.as_ref().map(|(t, _)| t))
            .field("expires_at", &self.access_token.as_ref().map(|(_, at)| at))
            .finish()
    }
}

/// A store could not do what it was asked. Its text names the file (or
/// other place) and the problem; it never holds a stored value.
#[derive(Debug)]
pub struct StoreError {
    problem: String,
    source: Option<std::io::Error>,
}

impl StoreError {
    /// A failure described by `problem`, which must hold no stored value.
    pub fn new(problem: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            source: None,
        }
    }

    /// The same, caused by `source`.
    pub fn with_source(problem: impl Into<String>, source: std::io::Error) -> Self {
        Self {
            problem: problem.into(),
            source: Some(source),
        }
    }

    /// What went wrong, and where.
    pub fn problem(&self) -> &str {
        &self.problem
    }

    pub(crate) fn into_auth(self) -> crate::AuthError {
        crate::AuthError::store(self.problem, self.source)
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// Keeps signed-in accounts' tokens between token requests, and (for a
/// persistent store) between runs.
///
/// Calls are short and blocking (a file store reads and writes a small
/// file); they run while a token is being fetched, one at a time per
/// credential. Implementations must never log or show a stored value.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The entry under `key`, if there is one.
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, StoreError>;
    /// Replaces the entry under `key` with `entry`.
    fn save(&self, key: &StoreKey, entry: &StoredToken) -> Result<(), StoreError>;
    /// Drops the entry under `key`, if there is one.
    fn remove(&self, key: &StoreKey) -> Result<(), StoreError>;
}

/// The default store: entries in memory, gone when the process ends.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use graph_core::auth::{AccessToken, MemoryTokenStore, StoreKey, StoredToken, TokenStore};
///
/// let store = MemoryTokenStore::new();
/// let key = StoreKey::new("contoso", "app-id", "megan", ["Files.Read"]);
/// let expires = SystemTime::now() + Duration::from_secs(3600);
/// let entry = StoredToken::new(Some("rt".into()), Some((AccessToken::new("at"), expires)));
/// store.save(&key, &entry)?;
/// assert_eq!(store.load(&key)?.unwrap().refresh_token().unwrap().expose(), "rt");
/// assert_eq!(format!("{store:?}"), "MemoryTokenStore { entries: 1 }");
/// # Ok::<(), graph_core::auth::StoreError>(())
/// ```
#[derive(Default)]
pub struct MemoryTokenStore {
    entries: Mutex<HashMap<StoreKey, StoredToken>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<StoreKey, StoredToken>> {
        // Nothing panics while it is held.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("entries", &self.entries().len())
            .finish()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, StoreError> {
        Ok(self.entries().get(key).cloned())
    }

    fn save(&self, key: &StoreKey, entry: &StoredToken) -> Result<(), StoreError> {
        self.entries().insert(key.clone(), entry.clone());
        Ok(())
    }

    fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.entries().remove(key);
        Ok(())
    }
}

/// The largest store file read: far more than any number of accounts needs,
/// and a bound on memory whatever the file holds.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Entries in one JSON file, private to its owner.
///
/// - The file is replaced atomically: written to a new temporary file in the
///   same directory, flushed to disk (`fsync`), then renamed over the old one,
///   so a crash leaves the old file or the new one, never a part of either.
///   Leftover temporary files are ignored.
/// - On Unix, the file is created with mode `0600`, and a file that others
///   can read or write (any group or other permission bit) is refused,
///   neither read nor overwritten, with an error naming the path and its mode.
///   So is a file in a directory that others can write (unless it is
///   sticky, as `/tmp` is): they could replace it. A missing directory is
///   created with mode `0700`.
/// - A path that is a symbolic link is read and replaced at its target (the
///   temporary file goes beside the target), so the link stays; a link to
///   nothing is refused rather than replaced.
/// - Two processes saving at the same moment: the last rename wins.
///
/// ```no_run
/// use graph_core::auth::{FileTokenStore, StoreKey, TokenStore};
///
/// let store = FileTokenStore::new("/home/me/.config/my-tool/tokens.json");
/// let key = StoreKey::new("contoso", "app-id", "megan", ["Files.ReadWrite"]);
/// if let Some(entry) = store.load(&key)? {
///     println!("remembered: {entry:?}"); // tokens show as <redacted>
/// }
/// # Ok::<(), graph_core::auth::StoreError>(())
/// ```
pub struct FileTokenStore {
    path: PathBuf,
    /// One read-modify-write at a time within the process.
    lock: Mutex<()>,
}

impl fmt::Debug for FileTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTokenStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize, Default)]
struct FileWire {
    version: u32,
    entries: Vec<EntryWire>,
}

#[derive(Serialize, Deserialize)]
struct EntryWire {
    /// Absent in files written before entries had one: such an entry
    /// matches no key of a credential (which always has an authority), so
    /// its refresh token is never sent anywhere; that account signs in once
    /// more.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    authority: String,
    tenant: String,
    client_id: String,
    account: String,
    scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    /// Seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
}

impl EntryWire {
    fn key(&self) -> StoreKey {
        StoreKey::new(
            &*self.tenant,
            &*self.client_id,
            &*self.account,
            self.scopes.iter().map(String::as_str),
        )
        .with_authority(&*self.authority)
    }

    fn entry(&self) -> StoredToken {
        let access = self
            .access_token
            .as_ref()
            .zip(self.expires_at)
            // A time past what the clock holds (a file edited by hand) would
            // overflow `+`: such an access token is not used.
            .and_then(|(token, at)| {
                let expires_at = UNIX_EPOCH.checked_add(Duration::from_secs(at))?;
                Some((AccessToken::new(token.as_str()), expires_at))
            });
        StoredToken::new(self.refresh_token.as_deref().map(Secret::from), access)
    }

    fn from_entry(key: &StoreKey, entry: &StoredToken) -> Self {
        Self {
            authority: key.authority.clone(),
            tenant: key.tenant.clone(),
            client_id: key.client_id.clone(),
            account: key.account.clone(),
            scopes: key.scopes.clone(),
            refresh_token: entry.refresh_token().map(|s| s.expose().to_owned()),
            access_token: entry.access_token().map(|(t, _)| t.secret().to_owned()),
            expires_at: entry.access_token().map(|(_, at)| {
                at.duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_secs())
            }),
        }
    }
}

/// Tells temporary files of one process apart.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FileTokenStore {
    /// A store in the file at `path` (created on the first save, with its
    /// directory if missing).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    /// The file to read and replace, and its directory: the path, or the
    /// target of the symbolic link it is (replacing the link itself would
    /// leave the target's tokens behind, stale). `None` for a link to
    /// nothing.
    fn place(&self) -> Result<Option<(PathBuf, PathBuf)>, StoreError> {
        let file = match fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.file_type().is_symlink() => match fs::canonicalize(&self.path) {
                Ok(target) => target,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => {
                    return Err(StoreError::with_source(
                        format!("cannot follow token store link `{}`", self.shown()),
                        e,
                    ));
                }
            },
            _ => self.path.clone(),
        };
        let dir = match file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        self.check_private_dir(&dir)?;
        Ok(Some((file, dir)))
    }

    /// On Unix, a directory that others can write (without the sticky bit,
    /// which keeps them from renaming or deleting our file) lets them
    /// replace the store with a file of theirs: it is refused like a store
    /// that others can write.
    #[cfg(unix)]
    fn check_private_dir(&self, dir: &Path) -> Result<(), StoreError> {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = fs::metadata(dir) else {
            // Not there yet: it is created private.
            return Ok(());
        };
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o022 != 0 && mode & 0o1000 == 0 {
            return Err(StoreError::new(format!(
                "the directory `{}` of token store `{}` has mode {mode:04o}: others can write it and replace the store, so it is not used; \
                 make the directory private (chmod 700) or keep the store elsewhere",
                dir.display(),
                self.shown()
            )));
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_private_dir(&self, _dir: &Path) -> Result<(), StoreError> {
        Ok(())
    }

    fn read(&self) -> Result<FileWire, StoreError> {
        let Some((path, _)) = self.place()? else {
            return Ok(FileWire::default());
        };
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileWire::default()),
            Err(e) => {
                return Err(StoreError::with_source(
                    format!("cannot open token store `{}`", self.shown()),
                    e,
                ));
            }
        };
        // Checked on the opened file, so it is the file that is read.
        let meta = file.metadata().map_err(|e| {
            StoreError::with_source(format!("cannot inspect token store `{}`", self.shown()), e)
        })?;
        self.check_private(&meta)?;
        let mut text = Vec::new();
        Read::by_ref(&mut file)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(|e| {
                StoreError::with_source(format!("cannot read token store `{}`", self.shown()), e)
            })?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(StoreError::new(format!(
                "token store `{}` is larger than {MAX_FILE_BYTES} bytes; it is not a token store file",
                self.shown()
            )));
        }
        // serde's message could quote a token: only the place is shown.
        serde_json::from_slice(&text).map_err(|e| {
            StoreError::new(format!(
                "token store `{}` is not a token store file (line {}, column {})",
                self.shown(),
                e.line(),
                e.column()
            ))
        })
    }

    #[cfg(unix)]
    fn check_private(&self, meta: &fs::Metadata) -> Result<(), StoreError> {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(StoreError::new(format!(
                "token store `{}` has mode {mode:04o}: others can read or write it, so it is not used; \
                 make it private (chmod 600) or delete it and sign in again",
                self.shown()
            )));
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_private(&self, _meta: &fs::Metadata) -> Result<(), StoreError> {
        Ok(())
    }

    /// Writes `wire` to a temporary file beside the store, flushes it, and
    /// renames it over the store.
    fn write(&self, wire: &FileWire) -> Result<(), StoreError> {
        let fail = |what: &str, e| {
            StoreError::with_source(format!("cannot {what} token store `{}`", self.shown()), e)
        };
        let Some((path, dir)) = self.place()? else {
            return Err(StoreError::new(format!(
                "token store `{}` is a symbolic link to a file that does not exist; it is not replaced",
                self.shown()
            )));
        };
        create_private_dir(&dir).map_err(|e| fail("create the directory of", e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "tokens".to_owned());
        let temp = dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // Serializing these plain structs cannot fail.
        let text = serde_json::to_vec_pretty(wire).unwrap_or_default();
        let written = (|| {
            let mut file = private_options().open(&temp)?;
            file.write_all(&text)?;
            file.sync_all()?;
            fs::rename(&temp, &path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(fail("write", e));
        }
        // The rename itself reaches the disk once the directory is flushed;
        // not every platform can open a directory, so this is best effort.
        if let Ok(dir) = File::open(&dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    fn guard(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn update(&self, change: impl FnOnce(&mut Vec<EntryWire>)) -> Result<(), StoreError> {
        let _guard = self.guard();
        let mut wire = self.read()?;
        wire.version = 1;
        change(&mut wire.entries);
        self.write(&wire)
    }
}

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

impl TokenStore for FileTokenStore {
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, StoreError> {
        let _guard = self.guard();
        let wire = self.read()?;
        Ok(wire
            .entries
            .iter()
            .find(|e| e.key() == *key)
            .map(EntryWire::entry))
    }

    fn save(&self, key: &StoreKey, entry: &StoredToken) -> Result<(), StoreError> {
        self.update(|entries| {
            entries.retain(|e| e.key() != *key);
            entries.push(EntryWire::from_entry(key, entry));
        })
    }

    fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.update(|entries| entries.retain(|e| e.key() != *key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory.
    fn temp_dir(name: &str) -> PathBuf {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "graph-core-store-{name}-{}-{nanos}",
            std::process::id()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn key() -> StoreKey {
        StoreKey::new("contoso", "app", "megan", ["Files.Read", "offline_access"])
    }

    fn entry(refresh: &str, access: &str) -> StoredToken {
        let at = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        StoredToken::new(
            Some(Secret::new(refresh)),
            Some((AccessToken::new(access), at)),
        )
    }

    #[test]
    fn entries_round_trip_and_are_replaced_and_removed() {
        let dir = temp_dir("round-trip");
        let store = FileTokenStore::new(dir.join("tokens.json"));
        assert!(store.load(&key()).unwrap().is_none());
        store.save(&key(), &entry("RT-1", "AT-1")).unwrap();
        let other = StoreKey::new("contoso", "app", "alex", ["Files.Read"]);
        store.save(&other, &entry("RT-A", "AT-A")).unwrap();
        store.save(&key(), &entry("RT-2", "AT-2")).unwrap();

        // Another store on the same file: what a restart sees.
        let reopened = FileTokenStore::new(dir.join("tokens.json"));
        let got = reopened.load(&key()).unwrap().unwrap();
        assert_eq!(got.refresh_token().unwrap().expose(), "RT-2");
        let (access, at) = got.access_token().unwrap();
        assert_eq!(
            (access.secret(), at),
            ("AT-2", UNIX_EPOCH + Duration::from_secs(1_900_000_000))
        );
        reopened.remove(&key()).unwrap();
        assert!(store.load(&key()).unwrap().is_none());
        assert!(store.load(&other).unwrap().is_some());
        let _ = fs::remove_dir_all(dir);
    }

    proptest::proptest! {
        // Each case writes a file: kept few.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

        /// Any text in the key and the tokens (quotes, backslashes,
        /// non-ASCII) comes back as it was saved.
        #[test]
        fn any_entry_round_trips_through_the_file(
            authority in "\\PC{0,12}",
            tenant in "\\PC{0,12}",
            account in "\\PC{0,12}",
            scopes in proptest::collection::vec("\\PC{0,10}", 0..3),
            refresh in "\\PC{1,24}",
            access in "\\PC{1,24}",
            expires in 0u64..4_000_000_000,
        ) {
            let dir = temp_dir("prop");
            let store = FileTokenStore::new(dir.join("tokens.json"));
            let key = StoreKey::new(tenant, "app", account, scopes).with_authority(authority);
            let at = UNIX_EPOCH + Duration::from_secs(expires);
            let saved = StoredToken::new(
                Some(Secret::new(refresh.clone())),
                Some((AccessToken::new(access.clone()), at)),
            );
            store.save(&key, &saved).unwrap();
            let loaded = FileTokenStore::new(dir.join("tokens.json")).load(&key).unwrap().unwrap();
            let _ = fs::remove_dir_all(&dir);
            proptest::prop_assert_eq!(loaded.refresh_token().unwrap().expose(), refresh.as_str());
            let (token, when) = loaded.access_token().unwrap();
            proptest::prop_assert_eq!((token.secret(), when), (access.as_str(), at));
        }
    }

    #[test]
    fn debug_shows_no_stored_value() {
        let memory = MemoryTokenStore::new();
        memory
            .save(&key(), &entry("RT-SECRET", "AT-SECRET"))
            .unwrap();
        let loaded = memory.load(&key()).unwrap().unwrap();
        let shown = format!("{loaded:?} {loaded:#?} {memory:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("entries: 1"), "{shown}");
    }

    /// A file with an expiry past what the clock can hold (edited by hand,
    /// written by another tool) loads without a panic: its access token is
    /// not trusted, its refresh token still is.
    #[test]
    fn an_expiry_past_the_clock_s_range_loads_without_the_access_token() {
        let dir = temp_dir("far-expiry");
        let path = dir.join("tokens.json");
        let store = FileTokenStore::new(&path);
        store.save(&key(), &entry("RT-FAR", "AT-FAR")).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let edited = text.replace("1900000000", &u64::MAX.to_string());
        assert_ne!(edited, text);
        fs::write(&path, edited).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        let loaded = store.load(&key()).unwrap().unwrap();
        assert_eq!(loaded.refresh_token().unwrap().expose(), "RT-FAR");
        assert!(loaded.access_token().is_none());
        let _ = fs::remove_dir_all(dir);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_and_a_shared_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("perms");
        let path = dir.join("tokens.json");
        let store = FileTokenStore::new(&path);
        store.save(&key(), &entry("RT-PERM", "AT-PERM")).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        for shared in [0o644, 0o620, 0o604] {
            fs::set_permissions(&path, fs::Permissions::from_mode(shared)).unwrap();
            let err = store.load(&key()).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains(&format!("{shared:04o}")), "{text}");
            assert!(!text.contains("RT-PERM"), "{text}");
            // Not overwritten either.
            assert!(store.save(&key(), &entry("RT-3", "AT-3")).is_err());
        }
        let _ = fs::remove_dir_all(dir);
    }

    /// A directory others can write lets them replace the file with theirs
    /// (a sticky one, like `/tmp`, does not): refused, naming the directory.
    #[cfg(unix)]
    #[test]
    fn a_directory_others_can_write_is_refused_and_a_sticky_one_is_not() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("shared-dir");
        let path = dir.join("tokens.json");
        let store = FileTokenStore::new(&path);
        store.save(&key(), &entry("RT-DIR", "AT-DIR")).unwrap();
        for shared in [0o777, 0o770, 0o757] {
            fs::set_permissions(&dir, fs::Permissions::from_mode(shared)).unwrap();
            for err in [
                store.load(&key()).unwrap_err(),
                store.save(&key(), &entry("RT-X", "AT-X")).unwrap_err(),
            ] {
                let text = err.to_string();
                assert!(text.contains(&dir.display().to_string()), "{text}");
                assert!(text.contains(&format!("{shared:04o}")), "{text}");
                assert!(!text.contains("RT-DIR"), "{text}");
            }
        }
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(store.load(&key()).unwrap().is_some());
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(store.load(&key()).unwrap().is_some());
        let _ = fs::remove_dir_all(dir);
    }

    /// A store path that is a symbolic link (a dotfile kept elsewhere) is
    /// written through: the target is replaced atomically beside itself and
    /// the link stays, so no stale refresh token is left in the target.
    #[cfg(unix)]
    #[test]
    fn a_symlinked_store_is_replaced_at_its_target_and_stays_a_link() {
        let dir = temp_dir("symlink");
        let real_dir = dir.join("real");
        fs::create_dir_all(&real_dir).unwrap();
        let target = real_dir.join("tokens.json");
        FileTokenStore::new(&target)
            .save(&key(), &entry("RT-OLD", "AT-OLD"))
            .unwrap();
        let link = dir.join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let store = FileTokenStore::new(&link);
        assert_eq!(
            store
                .load(&key())
                .unwrap()
                .unwrap()
                .refresh_token()
                .unwrap()
                .expose(),
            "RT-OLD"
        );
        store.save(&key(), &entry("RT-NEW", "AT-NEW")).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let text = fs::read_to_string(&target).unwrap();
        assert!(
            text.contains("RT-NEW") && !text.contains("RT-OLD"),
            "{text}"
        );
        // A link to nothing is refused with its path rather than replaced.
        let dangling = dir.join("dangling.json");
        std::os::unix::fs::symlink(dir.join("missing/tokens.json"), &dangling).unwrap();
        let err = FileTokenStore::new(&dangling)
            .save(&key(), &entry("RT-D", "AT-D"))
            .unwrap_err();
        assert!(err.to_string().contains("dangling.json"), "{err}");
        assert!(
            fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_left_over_temp_file_and_a_broken_file_show_no_value() {
        let dir = temp_dir("atomic");
        let path = dir.join("tokens.json");
        let store = FileTokenStore::new(&path);
        store.save(&key(), &entry("RT-OLD", "AT-OLD")).unwrap();
        // A crash mid-write leaves a temporary file, never a part of the store.
        fs::write(dir.join(".tokens.json.1.0.tmp"), b"{\"version\":1,\"entr").unwrap();
        assert_eq!(
            store
                .load(&key())
                .unwrap()
                .unwrap()
                .refresh_token()
                .unwrap()
                .expose(),
            "RT-OLD"
        );
        store.save(&key(), &entry("RT-NEW", "AT-NEW")).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap();

        // A store file cut short: refused with its place, not its content.
        let mut cut = text.clone();
        cut.truncate(text.find("RT-NEW").unwrap() + 4);
        fs::write(&path, &cut).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        let err = store.load(&key()).unwrap_err().to_string();
        assert!(err.contains("not a token store file"), "{err}");
        assert!(!err.contains("RT-N"), "{err}");
        let _ = fs::remove_dir_all(dir);
    }
}
