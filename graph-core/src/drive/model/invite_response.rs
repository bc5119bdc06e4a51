//! The invite response: the OData collection of the permissions an invite granted.

use super::Permission;
use crate::ODataError;
use crate::odata::Collection;

/// The response of `POST …/items/{item-id}/invite`: one [`Permission`] per
/// recipient.
///
/// With `200 OK` every invitation went out. With `207 Multi-Status` the
/// permissions were created but sending failed for some recipients; those
/// entries carry an [`error`](Permission::error). Graph does not promise that
/// entries come in request order, so match them to recipients by their
/// `invitation.email` or granted identity rather than by position.
///
/// ```
/// use graph_core::drive::model::InviteResponse;
///
/// let response: InviteResponse = serde_json::from_str(r#"{"value": [
///     {"id": "A", "roles": ["write"], "invitation": {"email": "helga@contoso.com"},
///      "error": {"code": "notAllowed", "innererror": {"code": "accountVerificationRequired"}}},
///     {"id": "B", "roles": ["write"], "invitation": {"email": "robin@contoso.com"}}
/// ]}"#).unwrap();
/// assert!(!response.all_notified());
/// let (index, permission, error) = response.notification_failures().next().unwrap();
/// assert_eq!((index, permission.id.as_deref()), (0, Some("A")));
/// assert_eq!(error.code.as_deref(), Some("notAllowed"));
/// ```
pub type InviteResponse = Collection<Permission>;

impl Collection<Permission> {
    /// The permissions returned, one per recipient.
    pub fn permissions(&self) -> &[Permission] {
        &self.value
    }

    /// The entries whose invitation could not be sent, as
    /// `(position in value, permission, error)`.
    pub fn notification_failures(
        &self,
    ) -> impl Iterator<Item = (usize, &Permission, &ODataError)> + '_ {
        self.value
            .iter()
            .enumerate()
            .filter_map(|(index, permission)| {
                permission
                    .error
                    .as_ref()
                    .map(|error| (index, permission, error))
            })
    }

    /// Whether no entry reports a failed invitation (true for an empty response).
    pub fn all_notified(&self) -> bool {
        self.value
            .iter()
            .all(|permission| permission.error.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::model::Role;
    use serde_json::json;
    use time::macros::datetime;

    /// The `200 OK` example response of Microsoft's driveItem: invite page.
    const DOCUMENTED_200: &str = r#"{
      "value": [
        {
          "@deprecated.GrantedTo": "GrantedTo has been deprecated. Refer to GrantedToV2",
          "grantedTo": {
            "user": {
              "displayName": "Robin Danielsen",
              "id": "42F177F1-22C0-4BE3-900D-4507125C5C20"
            }
          },
          "grantedToV2": {
            "user": {
              "id": "42F177F1-22C0-4BE3-900D-4507125C5C20",
              "displayName": "Robin Danielsen"
            },
            "siteUser": {
              "id": "1",
              "displayName": "Robin Danielsen",
              "loginName": "Robin Danielsen"
            }
          },
          "hasPassword": true,
          "id": "CCFC7CA3-7A19-4D57-8CEF-149DB9DDFA62",
          "invitation": {
            "email": "robin@contoso.com",
            "signInRequired": true
          },
          "roles": [ "write" ],
          "expirationDateTime": "2018-07-15T14:00:00.000Z"
        }
      ]
    }"#;

    /// A `207 Multi-Status` response in the documented shape, with a deeper
    /// inner-error chain, unknown properties and annotations added.
    const PARTIAL_207: &str = r##"{
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.permission)",
      "@odata.nextLink": "https://graph.microsoft.com/v1.0/me/drive/items/X/permissions?$skiptoken=2",
      "@odata.count": 2,
      "unknownTopLevel": true,
      "value": [
        {
          "@odata.type": "#microsoft.graph.permission",
          "@deprecated.GrantedTo": "GrantedTo has been deprecated. Refer to GrantedToV2",
          "grantedTo": {
            "user": {
              "displayName": "Helga Hammeren",
              "id": "5D8CA5D0-FFF8-4A97-B0A6-8F5AEA339681"
            }
          },
          "id": "1EFG7CA3-7A19-4D57-8CEF-149DB9DDFA62",
          "invitation": {
            "email": "helga@contoso.com",
            "signInRequired": true
          },
          "roles": [ "write" ],
          "futureFacet": { "enabled": true },
          "error": {
            "code": "notAllowed",
            "message": "Account verification needed to unblock sending emails.",
            "localizedMessage": "Kontobestätigung erforderlich, um das Senden von E-Mails zu entsperren.",
            "fixItUrl": "http://g.live.com/8SESkydrive/VerifyAccount",
            "innererror": {
              "code": "accountVerificationRequired",
              "innererror": {
                "code": "exchangeOutOfMailboxQuota",
                "request-id": "0b2c1a3e"
              }
            }
          }
        },
        {
          "grantedTo": {
            "user": {
              "displayName": "Robin Danielsen",
              "id": "42F177F1-22C0-4BE3-900D-4507125C5C20"
            }
          },
          "id": "CCFC7CA3-7A19-4D57-8CEF-149DB9DDFA62",
          "invitation": {
            "email": "robin@contoso.com",
            "signInRequired": true
          },
          "roles": [ "write" ],
          "expirationDateTime": "2018-07-15T14:00:00.000Z"
        }
      ]
    }"##;

    #[test]
    fn documented_200_response() {
        let response: InviteResponse = serde_json::from_str(DOCUMENTED_200).unwrap();
        assert!(response.all_notified());
        assert_eq!(response.notification_failures().count(), 0);
        assert_eq!(response.next_link, None);
        let [permission] = response.permissions() else {
            panic!("expected one permission, got {:?}", response.permissions());
        };
        assert_eq!(
            permission.id.as_deref(),
            Some("CCFC7CA3-7A19-4D57-8CEF-149DB9DDFA62")
        );
        assert_eq!(permission.roles, vec![Role::Write]);
        assert_eq!(permission.has_password, Some(true));
        assert_eq!(
            permission.expiration_date_time,
            Some(datetime!(2018-07-15 14:00:00 UTC))
        );
        let invitation = permission.invitation.as_ref().unwrap();
        assert_eq!(invitation.email.as_deref(), Some("robin@contoso.com"));
        assert_eq!(invitation.sign_in_required, Some(true));
        let user = permission
            .granted_to
            .as_ref()
            .unwrap()
            .user
            .as_ref()
            .unwrap();
        assert_eq!(user.display_name.as_deref(), Some("Robin Danielsen"));
        assert_eq!(
            user.id.as_deref(),
            Some("42F177F1-22C0-4BE3-900D-4507125C5C20")
        );
        let v2 = permission.granted_to_v2.as_ref().unwrap();
        assert_eq!(
            v2.user.as_ref().unwrap().id.as_deref(),
            Some("42F177F1-22C0-4BE3-900D-4507125C5C20")
        );
        let site_user = v2.site_user.as_ref().unwrap();
        assert_eq!(site_user.id.as_deref(), Some("1"));
        assert_eq!(site_user.login_name.as_deref(), Some("Robin Danielsen"));
        assert_eq!(permission.error, None);
        assert_eq!(
            permission.additional["@deprecated.GrantedTo"],
            "GrantedTo has been deprecated. Refer to GrantedToV2"
        );
        assert_eq!(permission.additional.len(), 1);
    }

    #[test]
    fn partial_207_response() {
        let response: InviteResponse = serde_json::from_str(PARTIAL_207).unwrap();
        assert_eq!(response.value.len(), 2);
        assert_eq!(
            response.next_link.as_deref(),
            Some("https://graph.microsoft.com/v1.0/me/drive/items/X/permissions?$skiptoken=2")
        );
        assert!(response.has_next_page());
        assert_eq!(response.count, Some(2));
        assert_eq!(
            response.context.as_deref(),
            Some(
                "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.permission)"
            )
        );
        assert!(!response.all_notified());

        let failures: Vec<_> = response.notification_failures().collect();
        assert_eq!(failures.len(), 1);
        let (index, failed, error) = failures[0];
        assert_eq!(index, 0);
        assert_eq!(
            failed.id.as_deref(),
            Some("1EFG7CA3-7A19-4D57-8CEF-149DB9DDFA62")
        );
        assert_eq!(
            failed.invitation.as_ref().unwrap().email.as_deref(),
            Some("helga@contoso.com")
        );
        assert_eq!(failed.roles, vec![Role::Write]);
        assert_eq!(error.code.as_deref(), Some("notAllowed"));
        assert_eq!(
            error.message.as_deref(),
            Some("Account verification needed to unblock sending emails.")
        );
        assert_eq!(
            error.localized_message.as_deref(),
            Some("Kontobestätigung erforderlich, um das Senden von E-Mails zu entsperren.")
        );
        assert_eq!(
            error.fix_it_url.as_deref(),
            Some("http://g.live.com/8SESkydrive/VerifyAccount")
        );
        assert_eq!(
            error.inner_codes(),
            vec!["accountVerificationRequired", "exchangeOutOfMailboxQuota"]
        );
        let deepest = error
            .inner_error
            .as_ref()
            .and_then(|inner| inner.inner_error.as_deref())
            .unwrap();
        assert_eq!(deepest.request_id.as_deref(), Some("0b2c1a3e"));
        assert_eq!(
            failed.additional["@odata.type"],
            "#microsoft.graph.permission"
        );
        assert_eq!(
            failed.additional["@deprecated.GrantedTo"],
            "GrantedTo has been deprecated. Refer to GrantedToV2"
        );
        assert_eq!(failed.additional["futureFacet"], json!({"enabled": true}));
        assert_eq!(failed.expiration_date_time, None);

        let ok = &response.permissions()[1];
        assert_eq!(ok.error, None);
        assert_eq!(
            ok.invitation.as_ref().unwrap().email.as_deref(),
            Some("robin@contoso.com")
        );
        assert_eq!(
            ok.expiration_date_time,
            Some(datetime!(2018-07-15 14:00:00 UTC))
        );
        assert!(ok.additional.is_empty());
    }

    #[test]
    fn collection_defaults_and_round_trip() {
        let empty: InviteResponse = serde_json::from_value(json!({})).unwrap();
        assert!(empty.value.is_empty());
        assert!(empty.all_notified());
        let null: InviteResponse = serde_json::from_value(json!({"value": null})).unwrap();
        assert!(null.value.is_empty());

        // The generic collection behaviour is tested in `odata`; here, with drive types.
        let mut page = Collection::new(vec![Role::Read, Role::Other("x".into())]);
        page.next_link = Some("next".into());
        let wire = serde_json::to_value(&page).unwrap();
        assert_eq!(
            wire,
            json!({"value": ["read", "x"], "@odata.nextLink": "next"})
        );
        assert_eq!(
            serde_json::from_value::<Collection<Role>>(wire).unwrap(),
            page
        );
        let borrowed: Vec<&Role> = (&page).into_iter().collect();
        assert_eq!(borrowed.len(), 2);
        assert_eq!(page.into_iter().next(), Some(Role::Read));
    }
}
