//! One item of the default tenant on each way of addressing a drive item.

use graph_core::drive::ItemLocator;
use graph_emulator::seed;

/// An item as a test addresses it, and the drive and item it names.
#[derive(Debug, Clone)]
pub struct AddressedItem {
    /// How the request addresses it.
    pub locator: ItemLocator,
    /// The drive it is in.
    pub drive_id: &'static str,
    /// Its id.
    pub item_id: &'static str,
    /// Whether the form goes through `/me` (or `/drive`): delegated tokens only.
    pub signed_in_user: bool,
}

fn item(
    locator: ItemLocator,
    drive_id: &'static str,
    item_id: &'static str,
    signed_in_user: bool,
) -> AddressedItem {
    AddressedItem {
        locator,
        drive_id,
        item_id,
        signed_in_user,
    }
}

/// The eight address forms of a drive item (the five of the invite page
/// and the path and default-drive aliases), each on an item of the default
/// tenant that the signed-in user (Megan) may share.
pub fn every_form() -> Vec<AddressedItem> {
    vec![
        item(
            ItemLocator::me(seed::ME_Q3_ID),
            seed::ME_DRIVE_ID,
            seed::ME_Q3_ID,
            true,
        ),
        item(
            ItemLocator::default_drive(seed::ME_BUDGET_ID),
            seed::ME_DRIVE_ID,
            seed::ME_BUDGET_ID,
            true,
        ),
        item(
            ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
            seed::ALEX_DRIVE_ID,
            seed::ALEX_PLAN_ID,
            false,
        ),
        item(
            ItemLocator::group(seed::GROUP_ID, seed::GROUP_LAUNCH_ID),
            seed::GROUP_DRIVE_ID,
            seed::GROUP_LAUNCH_ID,
            false,
        ),
        item(
            ItemLocator::user(seed::ALEX_USER_ID, seed::ALEX_PROJECTS_ID),
            seed::ALEX_DRIVE_ID,
            seed::ALEX_PROJECTS_ID,
            false,
        ),
        item(
            ItemLocator::site(seed::SITE_ID, seed::SITE_HANDBOOK_ID),
            seed::SITE_DRIVE_ID,
            seed::SITE_HANDBOOK_ID,
            false,
        ),
        item(
            ItemLocator::me_path(seed::ME_Q4_PATH),
            seed::ME_DRIVE_ID,
            seed::ME_Q4_ID,
            true,
        ),
        item(
            ItemLocator::drive_path(seed::GROUP_DRIVE_ID, seed::GROUP_CAMPAIGNS_PATH),
            seed::GROUP_DRIVE_ID,
            seed::GROUP_CAMPAIGNS_ID,
            false,
        ),
    ]
}
