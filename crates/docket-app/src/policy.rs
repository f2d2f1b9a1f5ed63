//! The one access policy: who may see and do what to a piece. The store answers questions of
//! fact (this piece, its owner, its co-authors); this module decides, from an [`Actor`], what
//! follows from them. Every adapter asks here, so a piece another contributor cannot see is
//! a 404 on the web and is not touched by mail alike.

use docket_store::{Asset, StaffRole, SubmissionRecord, User};

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in person: a contributor, who may be a co-author of others' pieces.
    Person(&'a User),
    /// A member of a call's staff, with their role.
    Staff {
        user: &'a User,
        call_id: docket_core::CallId,
        role: StaffRole,
    },
    /// Someone who sent a mail that already proved it answers a piece (its secret reply address,
    /// or one of Docket's own Message-IDs): the address it came from is still only a claim, so it
    /// may add to a piece only when that address is the owner's or a co-author's.
    MailSender { address: &'a str },
    /// Docket itself: background jobs and the outbox.
    System,
}

/// What someone wants to do to a piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceAction {
    /// Read it and its revisions.
    View,
    /// Change the working copy, submit it, or withdraw it.
    Edit,
    /// Give another address access to it.
    InviteCoauthor,
}

/// Whether `user` is one of the piece's authors. A co-author counts only once their address is
/// confirmed: an invitation goes to an address, and an unconfirmed account has not shown it
/// holds that address.
fn is_author(user: &User, piece: &SubmissionRecord) -> bool {
    piece.owner_id == user.id
        || (user.confirmed_at.is_some() && piece.coauthors.contains(&user.email))
}

/// Whether `actor` may do `action` to `piece`.
pub fn may(actor: Actor<'_>, action: PieceAction, piece: &SubmissionRecord) -> bool {
    match (actor, action) {
        (Actor::Person(user), PieceAction::View | PieceAction::Edit) => is_author(user, piece),
        (Actor::Person(user), PieceAction::InviteCoauthor) => piece.owner_id == user.id,
        // Staff read the pieces of their own call; deciding on them is the editorial work's.
        (Actor::Staff { call_id, .. }, PieceAction::View) => piece.call_id == call_id,
        (Actor::Staff { .. }, _) => false,
        (Actor::MailSender { address }, PieceAction::View | PieceAction::Edit) => {
            piece.owner_email == address || piece.coauthors.iter().any(|email| email == address)
        }
        (Actor::MailSender { .. }, PieceAction::InviteCoauthor) => false,
        (Actor::System, PieceAction::View) => true,
        (Actor::System, _) => false,
    }
}

/// Whether `user` may fetch an uploaded file: they uploaded it, or it was uploaded by the owner
/// of a piece they author (`authored`: the pieces they own or co-author, as
/// [`crate::pieces::of`] lists them).
pub fn may_fetch(user: &User, asset: &Asset, authored: &[SubmissionRecord]) -> bool {
    asset.uploaded_by == user.id
        || authored
            .iter()
            .any(|piece| piece.owner_id == asset.uploaded_by)
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_core::submission::{Piece, SubmissionState};
    use docket_core::{CallId, UserId};
    use jiff::Timestamp;

    fn user(id: i64, email: &str, confirmed: bool) -> User {
        User {
            id: UserId(id),
            email: email.into(),
            password_hash: None,
            confirmed_at: confirmed.then(Timestamp::now),
            created_at: Timestamp::now(),
        }
    }

    fn piece(owner: &User, coauthors: &[&str]) -> SubmissionRecord {
        SubmissionRecord {
            id: docket_core::SubmissionId(7),
            call_id: CallId(1),
            call_slug: "week".into(),
            owner_id: owner.id,
            owner_email: owner.email.clone(),
            state: SubmissionState::Draft,
            late: false,
            draft: Piece::default(),
            revision_count: 0,
            coauthors: coauthors.iter().map(|email| (*email).to_owned()).collect(),
            reply_token: "t".into(),
            sender_trust: None,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
            open_until: None,
        }
    }

    #[test]
    fn owners_and_confirmed_coauthors_see_and_edit_others_do_not() {
        let ada = user(1, "ada@example.org", true);
        let bea = user(2, "bea@example.org", true);
        let cy = user(3, "cy@example.org", false);
        let eve = user(4, "eve@example.org", true);
        let shared = piece(&ada, &["bea@example.org", "cy@example.org"]);
        for action in [PieceAction::View, PieceAction::Edit] {
            assert!(may(Actor::Person(&ada), action, &shared));
            assert!(may(Actor::Person(&bea), action, &shared));
            assert!(
                !may(Actor::Person(&cy), action, &shared),
                "unconfirmed co-author"
            );
            assert!(!may(Actor::Person(&eve), action, &shared));
        }
        assert!(may(
            Actor::Person(&ada),
            PieceAction::InviteCoauthor,
            &shared
        ));
        assert!(!may(
            Actor::Person(&bea),
            PieceAction::InviteCoauthor,
            &shared
        ));
    }

    #[test]
    fn staff_read_their_own_call_only_and_change_nothing() {
        let ada = user(1, "ada@example.org", true);
        let ed = user(9, "ed@example.org", true);
        let shared = piece(&ada, &[]);
        let own = Actor::Staff {
            user: &ed,
            call_id: CallId(1),
            role: StaffRole::Editor,
        };
        let other = Actor::Staff {
            user: &ed,
            call_id: CallId(2),
            role: StaffRole::Organiser,
        };
        assert!(may(own, PieceAction::View, &shared));
        assert!(!may(own, PieceAction::Edit, &shared));
        assert!(!may(other, PieceAction::View, &shared));
    }

    #[test]
    fn a_mail_adds_to_a_piece_only_from_an_author_s_address() {
        let ada = user(1, "ada@example.org", false);
        let shared = piece(&ada, &["bea@example.org"]);
        for address in ["ada@example.org", "bea@example.org"] {
            assert!(may(
                Actor::MailSender { address },
                PieceAction::Edit,
                &shared
            ));
        }
        let address = "eve@example.org";
        assert!(!may(
            Actor::MailSender { address },
            PieceAction::Edit,
            &shared
        ));
        assert!(!may(Actor::System, PieceAction::Edit, &shared));
    }

    #[test]
    fn a_file_is_fetched_by_its_uploader_and_the_authors_of_the_uploader_s_pieces() {
        let ada = user(1, "ada@example.org", true);
        let bea = user(2, "bea@example.org", true);
        let eve = user(4, "eve@example.org", true);
        let asset = Asset {
            id: 3,
            name: "a.docx".into(),
            mime: "x".into(),
            bytes: vec![],
            text: None,
            uploaded_by: ada.id,
        };
        let shared = vec![piece(&ada, &["bea@example.org"])];
        assert!(may_fetch(&ada, &asset, &[]));
        assert!(may_fetch(&bea, &asset, &shared));
        assert!(!may_fetch(&eve, &asset, &[]));
    }
}
