//! Ids, names and credentials of [`Tenant::default_tenant`](crate::Tenant::default_tenant),
//! so tests and examples never hard-code strings.
//!
//! The tenant is Contoso. The signed-in user (`/me`) is Megan Bowen, who has a
//! `personal` drive:
//!
//! ```text
//! root
//! ├── Documents/              shared directly with Adele (read)
//! │   ├── Budget.docx         inherits Adele's grant
//! │   └── Reports/            inherits Adele's grant
//! │       ├── Q3.xlsx         inherits Adele's grant
//! │       └── Q4 Forecast.xlsx inherits Adele's grant
//! └── Photos/
//!     └── Lisbon 2024.jpg     no permissions
//! ```
//!
//! Alex Wilber has a `business` drive (`Projects/` shared with Lee, write;
//! `Projects/Plan.docx` inherits it). The Marketing group's library holds
//! `Campaigns/Launch.pptx` with three direct grants (Megan owner, Alex write,
//! Adele read). The Contoso HR site's library holds
//! `Policies/Employee Handbook.pdf`.
//!
//! [`Generated`] adds a realistic tenant's content beside all of this
//! (a site's library and a OneDrive with thousands of shared items).
//!
//! ```
//! use graph_emulator::seed;
//!
//! assert!(seed::ME_DRIVE_ID.starts_with("b!"));
//! assert_eq!(seed::ME_Q3_PATH, "Documents/Reports/Q3.xlsx");
//! ```

pub use super::generated::{
    GENERATED_ONEDRIVE_ID, GENERATED_ONEDRIVE_USER_ID, GENERATED_ONEDRIVE_USER_UPN,
    GENERATED_SITE_DRIVE_ID, GENERATED_SITE_ID, Generated, GeneratedSummary,
};

/// Directory (tenant) id: the `{tenant}` of the token endpoint.
pub const TENANT_ID: &str = "e5ee4c91-b647-4e23-abb9-ff5e1cfb0a06";
/// A domain name the token endpoint accepts in place of [`TENANT_ID`].
pub const TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";
/// Delegated token for Megan Bowen (`/me`), accepted without the token
/// endpoint; it never expires. It carries the delegated permissions
/// `Files.ReadWrite.All` and `User.Read` (the seed's `accessTokenScopes`),
/// enough for every operation served.
pub const ACCESS_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJ1cG4iOiJtZWdhbi5ib3dlbkBjb250b3NvLmNvbSIsInNjcCI6IkZpbGVzLlJlYWRXcml0ZS5BbGwifQ.emulator-delegated";
/// Client id of the app registration for the client-credentials flow.
pub const CLIENT_ID: &str = "145103c7-ee7d-42a6-a30d-a7082f7dba08";
/// Client secret of [`CLIENT_ID`].
pub const CLIENT_SECRET: &str = "Xk38Q~emulator.Secret-7fGh2JkLmN4pQrS6tUvW";
/// The application permissions granted to [`CLIENT_ID`] (its app-only
/// tokens' `roles`); its consented delegated permissions are `User.Read`,
/// `Files.Read`, `Files.Read.All`, `Files.ReadWrite`, `Files.ReadWrite.All`,
/// `Sites.Read.All` and `Sites.ReadWrite.All`.
pub const CLIENT_APPLICATION_PERMISSIONS: &[&str] = &[
    "Files.ReadWrite.All",
    "Organization.Read.All",
    "Sites.ReadWrite.All",
];
/// Client id of a second app registration that was granted only
/// `Files.Read.All` (application) and `Files.Read` (delegated): it may read
/// sharing permissions but not change them (Graph answers 403 `accessDenied`).
pub const READ_ONLY_CLIENT_ID: &str = "0b6f3a52-4d1e-4c8a-9f27-6e5d8c1b2a90";
/// Client secret of [`READ_ONLY_CLIENT_ID`].
pub const READ_ONLY_CLIENT_SECRET: &str = "Rd71Q~emulator.ReadOnly-3kLm9NpQ2rSt5uVw";
/// The private key and certificate (PEM) registered for [`CLIENT_ID`]
/// (its `keyCredentials`): client assertions signed with this key and
/// naming this certificate's `x5t#S256` stand for the app. Made for the
/// emulator alone; never trust it anywhere else.
pub const CERTIFICATE_PEM: &str = include_str!("app_certificate.pem");
/// Issuer of [`CLIENT_ID`]'s federated identity credential (workload
/// identity federation): a client assertion with this `iss`, the subject
/// [`FEDERATED_SUBJECT`] and the audience [`FEDERATED_AUDIENCE`] stands for the app.
pub const FEDERATED_ISSUER: &str = "https://oidc.emulator.invalid/aks/contoso";
/// Subject of [`CLIENT_ID`]'s federated identity credential, as a
/// Kubernetes service account token names it.
pub const FEDERATED_SUBJECT: &str = "system:serviceaccount:invites:graph-daemon";
/// The audience Microsoft Entra ID expects in a federated assertion
/// ("Workload identity federation": `api://AzureADTokenExchange`).
pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";
/// The `IDENTITY_HEADER` of the emulator's App Service–style managed
/// identity endpoint (`{root}/msi/token`): requests must send it as
/// `X-IDENTITY-HEADER`.
pub const IDENTITY_HEADER: &str = "emulator-identity-header-5d1f0c7e";
/// Client id of the managed identity that endpoint issues tokens for (the
/// app's system-assigned identity).
pub const MANAGED_IDENTITY_CLIENT_ID: &str = "7c2a4f10-93d5-4b8e-a1f6-2e0b9c3d4a57";
/// The scope a client-credentials request asks for.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// The signed-in user's (Megan Bowen's) object id.
pub const ME_USER_ID: &str = "ef95eee8-8659-4bf0-b082-aa184fd3e758";
/// Megan's display name.
pub const ME_DISPLAY_NAME: &str = "Megan Bowen";
/// Megan's email address (also her user principal name).
pub const ME_EMAIL: &str = "megan.bowen@contoso.com";
/// Megan's drive (`driveType: personal`), addressed by `/me/drive` and `/drive`.
pub const ME_DRIVE_ID: &str = "b!pU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw0YL4xIB5p_tqg7ui5mX9c";
/// Root folder of Megan's drive: no permission changes allowed (personal root).
pub const ME_ROOT_ID: &str = "01BYE5RZBR6QMW4WXFOGO6MVN6A6WFHYM6";
/// Folder `Documents`, shared directly with Adele (read).
pub const ME_DOCUMENTS_ID: &str = "01BYE5RZL3VFZ5ZFKKIBJ5J6WJIBAGI3MN";
/// Path of [`ME_DOCUMENTS_ID`].
pub const ME_DOCUMENTS_PATH: &str = "Documents";
/// Folder `Documents/Reports` (inherits Adele's grant).
pub const ME_REPORTS_ID: &str = "01BYE5RZBQNSPUQ2IDW52IJB4LAJLJ6HDU";
/// Path of [`ME_REPORTS_ID`].
pub const ME_REPORTS_PATH: &str = "Documents/Reports";
/// File `Documents/Reports/Q3.xlsx` (inherits Adele's grant).
pub const ME_Q3_ID: &str = "01BYE5RZ6GDPMRCG4BE4UMR46PQM4I2HZ4";
/// Path of [`ME_Q3_ID`].
pub const ME_Q3_PATH: &str = "Documents/Reports/Q3.xlsx";
/// File `Documents/Reports/Q4 Forecast.xlsx` (a space: exercises percent-encoding).
pub const ME_Q4_ID: &str = "01BYE5RZUEP3ENTHJXJQI5OGZ7KOK3ZV2M";
/// Path of [`ME_Q4_ID`].
pub const ME_Q4_PATH: &str = "Documents/Reports/Q4 Forecast.xlsx";
/// File `Documents/Budget.docx` (inherits Adele's grant).
pub const ME_BUDGET_ID: &str = "01BYE5RZWUFXBV54BYVSEHOGFQRCLRI3QZ";
/// Path of [`ME_BUDGET_ID`].
pub const ME_BUDGET_PATH: &str = "Documents/Budget.docx";
/// Folder `Photos`, not shared.
pub const ME_PHOTOS_ID: &str = "01BYE5RZJ7UFRDL3ERBFQFOEQH5AV2RICP";
/// Path of [`ME_PHOTOS_ID`].
pub const ME_PHOTOS_PATH: &str = "Photos";
/// File `Photos/Lisbon 2024.jpg`, no permissions at all.
pub const ME_PHOTO_ID: &str = "01BYE5RZHKQDLMTTNS4LRWBQCABM6P4G37";
/// Path of [`ME_PHOTO_ID`].
pub const ME_PHOTO_PATH: &str = "Photos/Lisbon 2024.jpg";
/// Id of Adele's direct grant on `Documents`.
pub const ME_DOCUMENTS_GRANT_ID: &str = "aTowIy5mfG1lbWJlcnNoaXB8YWRlbGUudmFuY2VAY29udG9zby5jb20";
/// Id of the inherited copy of that grant on the items below `Documents`
/// (they carry `inheritedFrom`).
pub const ME_INHERITED_GRANT_ID: &str =
    "aTowIy5mfG1lbWJlcnNoaXB8YWRlbGUudmFuY2VAY29udG9zby5jb20jaW5oZXJpdGVk";

/// Alex Wilber's object id; he owns a `business` drive.
pub const ALEX_USER_ID: &str = "b9b253e3-60ed-4d6d-afc2-714354ea2061";
/// Alex's display name.
pub const ALEX_DISPLAY_NAME: &str = "Alex Wilber";
/// Alex's email address.
pub const ALEX_EMAIL: &str = "alex.wilber@contoso.com";
/// Alex's user principal name (`/users/{upn}/drive` works too).
pub const ALEX_UPN: &str = "alex.wilber@contoso.com";
/// Alex's drive (`driveType: business`).
pub const ALEX_DRIVE_ID: &str =
    "b!fCmZ_a_lkyU81lSvTfrXFCegrrP-6SMvivIhH57kkcWxC-y1Vjv8Hm-TQn7LyP4p";
/// Root of Alex's drive.
pub const ALEX_ROOT_ID: &str = "01BYE5RZZTNOVMIZWDIAEQ3KDFYSPSC5LK";
/// Folder `Projects`, shared directly with Lee (write).
pub const ALEX_PROJECTS_ID: &str = "01BYE5RZR4AQXVUPCTNWLAVYF6RMPAFQFJ";
/// Path of [`ALEX_PROJECTS_ID`].
pub const ALEX_PROJECTS_PATH: &str = "Projects";
/// File `Projects/Plan.docx` (inherits Lee's grant).
pub const ALEX_PLAN_ID: &str = "01BYE5RZZCZBTTOFJYU7JSJC3IBOFBCIXG";
/// Path of [`ALEX_PLAN_ID`].
pub const ALEX_PLAN_PATH: &str = "Projects/Plan.docx";

/// Adele Vance's object id (directory user without a drive).
pub const ADELE_USER_ID: &str = "2b54af77-1be4-400b-847a-59f914ace1cb";
/// Adele's email address.
pub const ADELE_EMAIL: &str = "adele.vance@contoso.com";
/// Lee Gu's object id (directory user without a drive).
pub const LEE_USER_ID: &str = "6b911f97-f49c-4e29-88fa-c241f6da7a63";
/// Lee's email address.
pub const LEE_EMAIL: &str = "lee.gu@contoso.com";
/// Robin Danielsen's object id: a guest whose mailbox cannot receive mail.
pub const ROBIN_USER_ID: &str = "35185376-6150-45b4-ad26-6eb4cdcec408";
/// Robin's address, listed in `undeliverableEmails`: inviting it with
/// `sendInvitation: true` answers 207 with an `accountVerificationRequired`
/// error on that recipient.
pub const UNDELIVERABLE_EMAIL: &str = "robin.danielsen@fabrikam.com";
/// An address outside the directory (an external recipient).
pub const EXTERNAL_EMAIL: &str = "pat.kline@northwind.example";

/// The Marketing group's object id.
pub const GROUP_ID: &str = "167774ef-0c9c-4b48-b321-8aa15f6a35d9";
/// The Marketing group's document library (`driveType: documentLibrary`).
pub const GROUP_DRIVE_ID: &str =
    "b!VeXNjkbcjtS3wnZNKlpNdncG-F2GkAJK1r2jQBvpyMvMyTX2zR9hImrhUziuGjQA";
/// Root of the group's library.
pub const GROUP_ROOT_ID: &str = "01BYE5RZY4DBP7QA5EFE6QEQPNO57YE6SC";
/// Folder `Campaigns`.
pub const GROUP_CAMPAIGNS_ID: &str = "01BYE5RZMEJVQTIA6D7RGN7SS555HMTF6B";
/// Path of [`GROUP_CAMPAIGNS_ID`].
pub const GROUP_CAMPAIGNS_PATH: &str = "Campaigns";
/// File `Campaigns/Launch.pptx` with three direct grants (for paging).
pub const GROUP_LAUNCH_ID: &str = "01BYE5RZS5E4RYNNEFJQXIRHXO77ZBKA74";
/// Path of [`GROUP_LAUNCH_ID`].
pub const GROUP_LAUNCH_PATH: &str = "Campaigns/Launch.pptx";

/// The Contoso HR site's composite id.
pub const SITE_ID: &str = "contoso.sharepoint.com,5a58bb09-1fba-41c1-8125-69da264370a0,9f2ec1da-0be4-4a74-9254-973f0add78fd";
/// The site's default document library (`driveType: documentLibrary`).
pub const SITE_DRIVE_ID: &str =
    "b!TTO6DSRqwEyBsbryPjv57vX3nytJNK-H9VILablLDZguhbtVtnKocmN6zXRm_LYO";
/// Root of the site's library.
pub const SITE_ROOT_ID: &str = "01BYE5RZZTJ2WYUHVAUVZHMASQXEZYEX3R";
/// Folder `Policies`.
pub const SITE_POLICIES_ID: &str = "01BYE5RZDRGDSJPR3UMX3BZNFD24IS7DIK";
/// Path of [`SITE_POLICIES_ID`].
pub const SITE_POLICIES_PATH: &str = "Policies";
/// File `Policies/Employee Handbook.pdf`, no permissions.
pub const SITE_HANDBOOK_ID: &str = "01BYE5RZ62VSTQQZPT6ZHKKEN7O4V43IMP";
/// Path of [`SITE_HANDBOOK_ID`].
pub const SITE_HANDBOOK_PATH: &str = "Policies/Employee Handbook.pdf";
