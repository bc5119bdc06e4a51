//! Choosing a credential from environment variables: the names
//! `azure_identity`'s environment credential and the App Service platform
//! use, and this crate's `GRAPH_*` names.

use std::fmt;

use super::{
    AccessToken, BoxFuture, ClientCertificate, ClientCredentials, ManagedIdentity, StaticToken,
    TokenProvider, WorkloadIdentity,
};
use crate::{Cloud, Error};

/// The variables [`EnvCredential`] reads, in the order it looks at them.
pub const ENV_VARIABLES: &[&str] = &[
    "GRAPH_ACCESS_TOKEN",
    "GRAPH_TENANT_ID",
    "GRAPH_CLIENT_ID",
    "GRAPH_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "GRAPH_CLOUD",
    "AZURE_AUTHORITY_HOST",
];

/// A credential chosen from environment variables.
///
/// The first rule whose deciding variable is set wins; its other variables
/// must then be set too, or the error names the ones missing (an empty
/// value counts as not set):
///
/// | order | deciding variable | also needs | credential |
/// | --- | --- | --- | --- |
/// | 1 | `GRAPH_ACCESS_TOKEN` | | [`StaticToken`] |
/// | 2 | any of `GRAPH_TENANT_ID`, `GRAPH_CLIENT_ID`, `GRAPH_CLIENT_SECRET` | the other two | [`ClientCredentials`] |
/// | 3 | `AZURE_CLIENT_SECRET` | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` | [`ClientCredentials`] |
/// | 4 | `AZURE_CLIENT_CERTIFICATE_PATH` (a PEM file with the certificate and its key, or a PKCS#12 `.pfx` file) | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`; for a `.pfx` with a password, `AZURE_CLIENT_CERTIFICATE_PASSWORD` | [`ClientCertificate`](super::ClientCertificate); a `.pfx` needs the `pkcs12` feature, else an error says so |
/// | 5 | `AZURE_FEDERATED_TOKEN_FILE` | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` | [`WorkloadIdentity`] |
/// | 6 | `IDENTITY_ENDPOINT` or `IDENTITY_HEADER` | the other one | [`ManagedIdentity`]; `AZURE_CLIENT_ID`, if set, picks a user-assigned identity |
///
/// Rules 3 to 5 read the variables as `azure_identity`'s environment
/// credential does (a secret before a certificate) and then its workload
/// identity credential; rule 6 reads what App Service and Azure Functions
/// set ("How to use managed identities for App Service and Azure
/// Functions"). `GRAPH_CLOUD` (`global`, `usgovl4`, `usgovl5` or `dod`,
/// `china`) picks the national cloud of every rule, and
/// `AZURE_AUTHORITY_HOST` (an `https` URL) replaces its sign-in authority.
///
/// ```
/// use graph_core::auth::{EnvCredential, EnvError};
///
/// let env = |name: &str| match name {
///     "AZURE_TENANT_ID" => Some("contoso.onmicrosoft.com".to_owned()),
///     "AZURE_FEDERATED_TOKEN_FILE" => Some("/var/run/secrets/azure/tokens/token".to_owned()),
///     _ => None,
/// };
/// let err = EnvCredential::from_lookup(env).unwrap_err();
/// assert_eq!(err.missing(), ["AZURE_CLIENT_ID"]);
/// ```
pub struct EnvCredential {
    provider: Box<dyn TokenProvider>,
    chosen_by: &'static str,
    cloud: Cloud,
}

/// Reads the process environment: [`EnvCredential::from_env`].
pub fn from_env() -> Result<EnvCredential, EnvError> {
    EnvCredential::from_env()
}

impl EnvCredential {
    /// Chooses a credential from the process environment (see the table above).
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Chooses a credential from the variables `lookup` returns (see the
    /// table above): the process environment, a configuration file's
    /// values, or a test's map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let var = |name: &'static str| lookup(name).filter(|value| !value.is_empty());
        let named_cloud = match var("GRAPH_CLOUD") {
            Some(name) => Some(Cloud::from_name(&name).ok_or_else(|| EnvError::Invalid {
                variable: "GRAPH_CLOUD",
                problem: format!(
                    "`{name}` is not a known cloud (global, usgovl4, usgovl5, dod, china)"
                ),
            })?),
            None => None,
        };
        let cloud = named_cloud.unwrap_or_default();
        let authority = var("AZURE_AUTHORITY_HOST");
        let chosen = |provider: Box<dyn TokenProvider>, chosen_by| Self {
            provider,
            chosen_by,
            cloud,
        };
        let invalid = |variable: &'static str| {
            move |err: Error| EnvError::Invalid {
                variable,
                problem: match err {
                    Error::Config(text) => text,
                    other => other.to_string(),
                },
            }
        };

        if let Some(token) = var("GRAPH_ACCESS_TOKEN") {
            return Ok(chosen(
                Box::new(StaticToken::new(token)),
                "GRAPH_ACCESS_TOKEN",
            ));
        }
        let graph = ["GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET"];
        if let Some(decider) = graph.into_iter().find(|name| var(name).is_some()) {
            let [tenant, client_id, secret] = require(&var, decider, graph, "client credentials")?;
            let mut builder = ClientCredentials::builder(tenant, client_id, secret);
            if let Some(cloud) = named_cloud {
                builder = builder.cloud(cloud);
            }
            if let Some(authority) = &authority {
                builder = builder.authority(authority);
            }
            let credential = builder.build().map_err(invalid("AZURE_AUTHORITY_HOST"))?;
            return Ok(chosen(Box::new(credential), decider));
        }
        if var("AZURE_CLIENT_SECRET").is_some() {
            let [tenant, client_id, secret] = require(
                &var,
                "AZURE_CLIENT_SECRET",
                ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"],
                "a client secret",
            )?;
            let mut builder = ClientCredentials::builder(tenant, client_id, secret);
            if let Some(cloud) = named_cloud {
                builder = builder.cloud(cloud);
            }
            if let Some(authority) = &authority {
                builder = builder.authority(authority);
            }
            let credential = builder.build().map_err(invalid("AZURE_AUTHORITY_HOST"))?;
            return Ok(chosen(Box::new(credential), "AZURE_CLIENT_SECRET"));
        }
        if var("AZURE_CLIENT_CERTIFICATE_PATH").is_some() {
            let [tenant, client_id, path] = require(
                &var,
                "AZURE_CLIENT_CERTIFICATE_PATH",
                [
                    "AZURE_TENANT_ID",
                    "AZURE_CLIENT_ID",
                    "AZURE_CLIENT_CERTIFICATE_PATH",
                ],
                "a client certificate",
            )?;
            let contents = read_certificate_file(&path)?;
            let password = var("AZURE_CLIENT_CERTIFICATE_PASSWORD");
            let mut builder = certificate_builder(tenant, client_id, contents, password)?;
            if let Some(cloud) = named_cloud {
                builder = builder.cloud(cloud);
            }
            if let Some(authority) = &authority {
                builder = builder.authority(authority);
            }
            let credential = builder.build_or_say_why().map_err(|failure| {
                let variable = if failure.wrong_password {
                    "AZURE_CLIENT_CERTIFICATE_PASSWORD"
                } else {
                    "AZURE_CLIENT_CERTIFICATE_PATH"
                };
                invalid(variable)(failure.error)
            })?;
            return Ok(chosen(
                Box::new(credential),
                "AZURE_CLIENT_CERTIFICATE_PATH",
            ));
        }
        if var("AZURE_FEDERATED_TOKEN_FILE").is_some() {
            let [tenant, client_id, file] = require(
                &var,
                "AZURE_FEDERATED_TOKEN_FILE",
                [
                    "AZURE_TENANT_ID",
                    "AZURE_CLIENT_ID",
                    "AZURE_FEDERATED_TOKEN_FILE",
                ],
                "workload identity",
            )?;
            let mut builder = WorkloadIdentity::builder(tenant, client_id, file);
            if let Some(cloud) = named_cloud {
                builder = builder.cloud(cloud);
            }
            if let Some(authority) = &authority {
                builder = builder.authority(authority);
            }
            let credential = builder.build().map_err(invalid("AZURE_AUTHORITY_HOST"))?;
            return Ok(chosen(Box::new(credential), "AZURE_FEDERATED_TOKEN_FILE"));
        }
        let identity = ["IDENTITY_ENDPOINT", "IDENTITY_HEADER"];
        if let Some(decider) = identity.into_iter().find(|name| var(name).is_some()) {
            let [endpoint, header] = require(&var, decider, identity, "managed identity")?;
            let mut builder = ManagedIdentity::app_service(endpoint, header);
            if let Some(cloud) = named_cloud {
                builder = builder.cloud(cloud);
            }
            if let Some(client_id) = var("AZURE_CLIENT_ID") {
                builder = builder.client_id(client_id);
            }
            let credential = builder.build().map_err(invalid("IDENTITY_ENDPOINT"))?;
            return Ok(chosen(Box::new(credential), decider));
        }
        let partial: Vec<&'static str> = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID"]
            .into_iter()
            .filter(|name| var(name).is_some())
            .collect();
        if let Some(decider) = partial.first() {
            return Err(EnvError::Missing {
                set: decider,
                credential: "an app credential",
                missing: vec![
                    "AZURE_CLIENT_SECRET",
                    "AZURE_CLIENT_CERTIFICATE_PATH",
                    "AZURE_FEDERATED_TOKEN_FILE",
                ],
                any_of: true,
            });
        }
        Err(EnvError::NotSet)
    }

    /// The variable that chose the credential (`AZURE_CLIENT_SECRET`, …).
    pub fn chosen_by(&self) -> &'static str {
        self.chosen_by
    }

    /// The cloud `GRAPH_CLOUD` named (default [`Cloud::Global`]). A client
    /// built with this credential and no
    /// [`ClientBuilder::cloud`](crate::ClientBuilder::cloud) of its own
    /// sends its requests to that cloud's Graph; without `GRAPH_CLOUD`, the
    /// credential follows the client's cloud instead
    /// ([`TokenProvider::settle_cloud`]).
    pub fn cloud(&self) -> Cloud {
        self.cloud
    }
}

/// The largest certificate file read: a certificate chain and its key are
/// a few KiB; the bound keeps memory small whatever the path names.
const MAX_CERTIFICATE_FILE_BYTES: u64 = 1 << 20;

/// The file `AZURE_CLIENT_CERTIFICATE_PATH` names, at most
/// [`MAX_CERTIFICATE_FILE_BYTES`].
fn read_certificate_file(path: &str) -> Result<Vec<u8>, EnvError> {
    use std::io::Read;
    let invalid = |problem: String| EnvError::Invalid {
        variable: "AZURE_CLIENT_CERTIFICATE_PATH",
        problem,
    };
    let mut contents = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| {
            file.take(MAX_CERTIFICATE_FILE_BYTES + 1)
                .read_to_end(&mut contents)
        })
        .map_err(|e| invalid(format!("could not read `{path}`: {e}")))?;
    if contents.len() as u64 > MAX_CERTIFICATE_FILE_BYTES {
        return Err(invalid(format!(
            "`{path}` is larger than {MAX_CERTIFICATE_FILE_BYTES} bytes; it is not a certificate file"
        )));
    }
    Ok(contents)
}

/// A certificate credential from the file's `contents`: PEM text (the
/// certificate and its key), or else a PKCS#12 bundle opened with
/// `password` (none: the empty one), as azure_identity's environment
/// credential takes either from `AZURE_CLIENT_CERTIFICATE_PATH`.
fn certificate_builder(
    tenant: String,
    client_id: String,
    contents: Vec<u8>,
    password: Option<String>,
) -> Result<super::ClientCertificateBuilder, EnvError> {
    // RFC 7468 text starts its blocks so; a PKCS#12 bundle is DER.
    if contents.windows(11).any(|w| w == b"-----BEGIN ") {
        return Ok(ClientCertificate::builder(tenant, client_id, contents));
    }
    #[cfg(feature = "pkcs12")]
    {
        Ok(ClientCertificate::pkcs12_builder(
            tenant,
            client_id,
            contents,
            password.unwrap_or_default(),
        ))
    }
    #[cfg(not(feature = "pkcs12"))]
    {
        let _ = (tenant, client_id, password);
        Err(EnvError::Unsupported {
            variable: "AZURE_CLIENT_CERTIFICATE_PATH",
        })
    }
}

/// The values of `names` (`decider` among them), or which are missing.
fn require<const N: usize>(
    var: &impl Fn(&'static str) -> Option<String>,
    decider: &'static str,
    names: [&'static str; N],
    credential: &'static str,
) -> Result<[String; N], EnvError> {
    let values = names.map(var);
    let missing: Vec<&'static str> = names
        .iter()
        .zip(&values)
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(EnvError::Missing {
            set: decider,
            credential,
            missing,
            any_of: false,
        });
    }
    Ok(values.map(Option::unwrap_or_default))
}

impl TokenProvider for EnvCredential {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        self.provider.token()
    }

    fn invalidate(&self, token: &AccessToken) {
        self.provider.invalidate(token);
    }

    fn settle_cloud(&self, client: Option<Cloud>) -> Option<Cloud> {
        self.provider.settle_cloud(client)
    }
}

impl fmt::Debug for EnvCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvCredential")
            .field("chosen_by", &self.chosen_by)
            .field("cloud", &self.cloud)
            .field("credential", &self.provider)
            .finish()
    }
}

/// No credential could be chosen from the environment. Never holds a
/// variable's value except a cloud name or an authority shown redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvError {
    /// None of the variables is set.
    NotSet,
    /// `set` chose `credential`, which needs the variables `missing`
    /// (all of them, or with `any_of`, one of them).
    Missing {
        /// The variable that is set.
        set: &'static str,
        /// What it chose, in words.
        credential: &'static str,
        /// What is not set.
        missing: Vec<&'static str>,
        /// Whether one of `missing` is enough.
        any_of: bool,
    },
    /// `variable` chose a credential this build does not offer (a PKCS#12
    /// file without the `pkcs12` feature).
    Unsupported {
        /// The variable that is set.
        variable: &'static str,
    },
    /// `variable`'s value cannot be used.
    Invalid {
        /// The variable.
        variable: &'static str,
        /// Why, without the value unless it is a name or a redacted URL.
        problem: String,
    },
}

impl EnvError {
    /// The variables whose absence stopped the choice (empty unless
    /// [`EnvError::Missing`]).
    pub fn missing(&self) -> &[&'static str] {
        match self {
            EnvError::Missing { missing, .. } => missing,
            _ => &[],
        }
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvError::NotSet => write!(
                f,
                "no credential in the environment: set GRAPH_ACCESS_TOKEN, the GRAPH_* or AZURE_* app variables, or IDENTITY_ENDPOINT and IDENTITY_HEADER"
            ),
            EnvError::Missing {
                set,
                credential,
                missing,
                any_of,
            } => {
                let (joined, verb) = if *any_of {
                    (format!("one of {}", missing.join(", ")), "is")
                } else if missing.len() == 1 {
                    (missing[0].to_owned(), "is")
                } else {
                    (missing.join(", "), "are")
                };
                write!(
                    f,
                    "missing credentials: {set} is set for {credential}, but {joined} {verb} not set"
                )
            }
            EnvError::Unsupported { variable } => write!(
                f,
                "{variable} names a file that is not PEM text: a PKCS#12 (.pfx) certificate needs graph-core's `pkcs12` feature; or use an unencrypted PEM with the certificate and its key"
            ),
            EnvError::Invalid { variable, problem } => write!(f, "{variable}: {problem}"),
        }
    }
}

impl std::error::Error for EnvError {}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    const SECRET: &str = "s3cr3t-from-env";

    fn choose(vars: &[(&str, &str)]) -> Result<EnvCredential, EnvError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EnvCredential::from_lookup(|name| map.get(name).cloned())
    }

    fn chosen_by(vars: &[(&str, &str)]) -> &'static str {
        choose(vars).expect("a credential").chosen_by()
    }

    fn missing(vars: &[(&str, &str)]) -> Vec<&'static str> {
        choose(vars)
            .expect_err("something is missing")
            .missing()
            .to_vec()
    }

    const AZURE_SECRET: [(&str, &str); 3] = [
        ("AZURE_TENANT_ID", "contoso"),
        ("AZURE_CLIENT_ID", "app"),
        ("AZURE_CLIENT_SECRET", SECRET),
    ];

    #[test]
    fn each_rule_needs_all_of_its_variables_and_names_the_missing_ones() {
        assert_eq!(choose(&[]).unwrap_err(), EnvError::NotSet);
        assert_eq!(
            missing(&[("GRAPH_TENANT_ID", "contoso")]),
            ["GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET"]
        );
        assert_eq!(
            missing(&[("GRAPH_CLIENT_SECRET", SECRET)]),
            ["GRAPH_TENANT_ID", "GRAPH_CLIENT_ID"]
        );
        assert_eq!(
            missing(&[("AZURE_CLIENT_SECRET", SECRET), ("AZURE_CLIENT_ID", "app")]),
            ["AZURE_TENANT_ID"]
        );
        assert_eq!(
            missing(&[
                ("AZURE_FEDERATED_TOKEN_FILE", "/t"),
                ("AZURE_TENANT_ID", "c")
            ]),
            ["AZURE_CLIENT_ID"]
        );
        assert_eq!(
            missing(&[("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token")]),
            ["IDENTITY_HEADER"]
        );
        assert_eq!(
            missing(&[("IDENTITY_HEADER", SECRET)]),
            ["IDENTITY_ENDPOINT"]
        );
        let partial = choose(&[("AZURE_CLIENT_ID", "app")]).unwrap_err();
        assert_eq!(
            partial.missing(),
            [
                "AZURE_CLIENT_SECRET",
                "AZURE_CLIENT_CERTIFICATE_PATH",
                "AZURE_FEDERATED_TOKEN_FILE"
            ]
        );
        assert!(
            partial.to_string().contains("one of AZURE_CLIENT_SECRET"),
            "{partial}"
        );
        // Empty values are not set.
        assert_eq!(
            choose(&[("GRAPH_ACCESS_TOKEN", ""), ("GRAPH_CLIENT_SECRET", "")]).unwrap_err(),
            EnvError::NotSet
        );
        let err = choose(&[("AZURE_CLIENT_SECRET", SECRET)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing credentials: AZURE_CLIENT_SECRET is set for a client secret, but AZURE_TENANT_ID, AZURE_CLIENT_ID are not set"
        );
    }

    #[test]
    fn the_documented_precedence() {
        let token = ("GRAPH_ACCESS_TOKEN", "eyJ.static");
        let graph = [
            ("GRAPH_TENANT_ID", "contoso"),
            ("GRAPH_CLIENT_ID", "app"),
            ("GRAPH_CLIENT_SECRET", SECRET),
        ];
        let cert = ("AZURE_CLIENT_CERTIFICATE_PATH", "/certs/app.pem");
        let file = ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token");
        let identity = [
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token"),
            ("IDENTITY_HEADER", SECRET),
        ];
        let all: Vec<_> = [token, cert, file]
            .into_iter()
            .chain(graph)
            .chain(AZURE_SECRET)
            .chain(identity)
            .collect();
        assert_eq!(chosen_by(&all), "GRAPH_ACCESS_TOKEN");
        let rest: Vec<_> = all.iter().copied().filter(|v| *v != token).collect();
        assert_eq!(chosen_by(&rest), "GRAPH_TENANT_ID");
        let azure: Vec<_> = rest
            .iter()
            .copied()
            .filter(|v| !graph.contains(v))
            .collect();
        assert_eq!(chosen_by(&azure), "AZURE_CLIENT_SECRET");
        let no_secret: Vec<_> = azure
            .iter()
            .copied()
            .filter(|v| v.0 != "AZURE_CLIENT_SECRET")
            .collect();
        // The certificate comes next: its file is read then (here it is missing).
        let err = choose(&no_secret).unwrap_err();
        assert!(
            matches!(
                err,
                EnvError::Invalid {
                    variable: "AZURE_CLIENT_CERTIFICATE_PATH",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("/certs/app.pem"), "{err}");
        // A password does not change the rule: the file is read first.
        let mut password = no_secret.clone();
        password.push(("AZURE_CLIENT_CERTIFICATE_PASSWORD", SECRET));
        let err = choose(&password).unwrap_err();
        assert!(err.to_string().contains("/certs/app.pem"), "{err}");
        assert!(!err.to_string().contains(SECRET), "{err}");
        let federated: Vec<_> = no_secret.iter().copied().filter(|v| *v != cert).collect();
        assert_eq!(chosen_by(&federated), "AZURE_FEDERATED_TOKEN_FILE");
        assert_eq!(chosen_by(&identity), "IDENTITY_ENDPOINT");
        let user_assigned =
            choose(&[identity[0], identity[1], ("AZURE_CLIENT_ID", "mi-client")]).unwrap();
        assert!(format!("{user_assigned:?}").contains("mi-client"));
    }

    /// The seed app's key and certificate as a PKCS#12 bundle (AES-256,
    /// PBKDF2), and the same with 3DES as older tools export it.
    const PFX_PASSWORD: &str = "pfx-fixture-password";

    fn fixture_path(name: &str) -> String {
        format!(
            "{}/../tests/fixtures/certificates/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    fn certificate_env<'a>(path: &'a str, password: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
        let mut vars = vec![
            ("AZURE_TENANT_ID", "contoso"),
            ("AZURE_CLIENT_ID", "app"),
            ("AZURE_CLIENT_CERTIFICATE_PATH", path),
        ];
        vars.extend(password.map(|p| ("AZURE_CLIENT_CERTIFICATE_PASSWORD", p)));
        vars
    }

    #[cfg(feature = "pkcs12")]
    #[test]
    fn a_pfx_path_with_its_password_is_a_certificate_credential() {
        for name in ["seed_app.pfx", "seed_app_3des.pfx"] {
            let path = fixture_path(name);
            let credential = choose(&certificate_env(&path, Some(PFX_PASSWORD))).unwrap();
            assert_eq!(credential.chosen_by(), "AZURE_CLIENT_CERTIFICATE_PATH");
            assert!(!format!("{credential:?}").contains(PFX_PASSWORD));

            for wrong in [Some("not-the-password-77"), None] {
                let err = choose(&certificate_env(&path, wrong)).unwrap_err();
                assert!(
                    matches!(
                        err,
                        EnvError::Invalid {
                            variable: "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                            ..
                        }
                    ),
                    "{name}: {err:?}"
                );
                let shown = format!("{err} {err:?}");
                assert!(shown.contains("password"), "{shown}");
                assert!(!shown.contains("not-the-password-77"), "{shown}");
            }
        }
    }

    #[cfg(not(feature = "pkcs12"))]
    #[test]
    fn a_pfx_path_without_the_pkcs12_feature_says_which_feature() {
        let path = fixture_path("seed_app.pfx");
        let err = choose(&certificate_env(&path, Some(PFX_PASSWORD))).unwrap_err();
        assert_eq!(
            err,
            EnvError::Unsupported {
                variable: "AZURE_CLIENT_CERTIFICATE_PATH"
            }
        );
        assert!(err.to_string().contains("`pkcs12` feature"), "{err}");
    }

    /// A path naming something endless (a device, a huge file) is refused
    /// after a bounded read.
    #[cfg(unix)]
    #[test]
    fn an_endless_certificate_path_is_read_within_a_bound() {
        let err = choose(&certificate_env("/dev/zero", None)).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[test]
    fn the_cloud_and_authority_apply_to_the_chosen_credential() {
        let mut vars = AZURE_SECRET.to_vec();
        vars.push(("GRAPH_CLOUD", "usgovl4"));
        let credential = choose(&vars).unwrap();
        assert_eq!(credential.cloud(), Cloud::UsGovL4);
        let shown = format!("{credential:?}");
        assert!(
            shown.contains("https://login.microsoftonline.us"),
            "{shown}"
        );
        assert!(
            shown.contains("https://graph.microsoft.us/.default"),
            "{shown}"
        );
        vars.push(("AZURE_AUTHORITY_HOST", "https://login.example.com/"));
        let shown = format!("{:?}", choose(&vars).unwrap());
        assert!(shown.contains("\"https://login.example.com\""), "{shown}");

        let mut bad = AZURE_SECRET.to_vec();
        bad.push(("AZURE_AUTHORITY_HOST", "http://login.example.com"));
        let err = choose(&bad).unwrap_err();
        assert!(
            matches!(
                err,
                EnvError::Invalid {
                    variable: "AZURE_AUTHORITY_HOST",
                    ..
                }
            ),
            "{err:?}"
        );
        let mut mars = AZURE_SECRET.to_vec();
        mars.push(("GRAPH_CLOUD", "mars"));
        let err = choose(&mars).unwrap_err();
        assert!(
            matches!(
                err,
                EnvError::Invalid {
                    variable: "GRAPH_CLOUD",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn only_the_documented_variables_are_read() {
        let asked = RefCell::new(Vec::new());
        let _ = EnvCredential::from_lookup(|name| {
            asked.borrow_mut().push(name.to_owned());
            None
        });
        let asked = asked.into_inner();
        assert!(!asked.is_empty());
        for name in &asked {
            assert!(
                ENV_VARIABLES.contains(&name.as_str()),
                "{name} is not documented"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Any set of variables (each maybe empty) gives a credential or an
        /// error, and no secret value shows in either's output.
        #[test]
        fn any_environment_chooses_without_showing_secrets(
            set in prop::collection::vec(any::<bool>(), ENV_VARIABLES.len()),
            empty in prop::collection::vec(any::<bool>(), ENV_VARIABLES.len()),
        ) {
            let values: HashMap<&str, String> = ENV_VARIABLES
                .iter()
                .zip(set.iter().zip(&empty))
                .filter(|(_, (set, _))| **set)
                .map(|(name, (_, empty))| {
                    let value = match *name {
                        "GRAPH_CLOUD" => "china".to_owned(),
                        "AZURE_AUTHORITY_HOST" => "https://login.example.com".to_owned(),
                        "IDENTITY_ENDPOINT" => "http://127.0.0.1:1/msi/token".to_owned(),
                        _ if *empty => String::new(),
                        other => format!("value-of-{other}"),
                    };
                    (*name, value)
                })
                .collect();
            let shown = match EnvCredential::from_lookup(|name| values.get(name).cloned()) {
                Ok(credential) => format!("{credential:?}"),
                Err(err) => format!("{err} {err:?}"),
            };
            for secret in ["GRAPH_ACCESS_TOKEN", "GRAPH_CLIENT_SECRET", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "IDENTITY_HEADER"] {
                let needle = format!("value-of-{secret}");
                prop_assert!(!shown.contains(&needle), "{} in {}", secret, shown);
            }
        }
    }
}
