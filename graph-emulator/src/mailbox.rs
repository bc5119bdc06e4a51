//! The invitation emails the emulator has sent, so that a test can tell
//! how many times each recipient was notified of a grant.
//!
//! "driveItem: invite": with `sendInvitation: true` an email goes to each
//! recipient; a recipient whose mail cannot be delivered gets none (the
//! 207 answer's per-recipient error says so).

use std::collections::BTreeMap;

/// Who was sent an invitation email about which item: the drive's id, the
/// item's id, and the recipient's email address in lower case.
pub type InvitationTo = (String, String, String);

/// Invitation emails sent, counted per item and recipient.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mailbox {
    sent: BTreeMap<InvitationTo, u32>,
}

impl Mailbox {
    /// One invitation email sent to `email` about the item.
    pub fn invitation(&mut self, drive_id: &str, item_id: &str, email: &str) {
        let key = (
            drive_id.to_owned(),
            item_id.to_owned(),
            email.to_lowercase(),
        );
        *self.sent.entry(key).or_default() += 1;
    }

    /// Every count so far.
    pub fn invitations(&self) -> BTreeMap<InvitationTo, u32> {
        self.sent.clone()
    }
}
