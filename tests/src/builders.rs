//! The request bodies and jobs the tests send most.

use graph_core::bulk::ShareJob;
use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Role};
use graph_emulator::seed;

/// An invitation of one person, by email, to read.
pub fn invite_to(email: &str) -> InviteBody {
    InviteBody::new([DriveRecipient::email(email)]).with_roles([Role::Read])
}

/// A bulk job: invite `email` to read item `item_id` of drive `drive_id`.
pub fn share_job(drive_id: &str, item_id: &str, email: &str) -> ShareJob {
    ShareJob::new(ItemLocator::drive(drive_id, item_id), invite_to(email))
}

/// Alex's Plan.docx ([`seed::ALEX_PLAN_ID`] in [`seed::ALEX_DRIVE_ID`]): the
/// item the tests share, update and revoke on most.
pub fn alex_plan() -> ItemLocator {
    ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
}
