//! How sure Docket is of who sent a message. A mail's From: is a claim, not an identity: mail may
//! act for an existing account only when something only that person has backs the claim.

use std::fmt;

/// How Docket knew who sent a message, shown to staff on every emailed piece and reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenderTrust {
    /// Only the From: header says who sent it.
    NotVerified,
    /// It came to a piece's secret reply address, which only the piece's mail carries.
    ReplyAddress,
    /// It answers one of Docket's own (random) Message-IDs, from the address that mail went to.
    DocketMessage,
    /// The address's owner followed the single-use link Docket mailed them.
    ConfirmedByLink,
    /// Docket verified a DKIM signature by (a domain aligned with) the From: domain.
    DkimAligned,
    /// A receiving server the deployment trusts said `dmarc=pass`.
    TrustedServer,
}

impl SenderTrust {
    /// Every value.
    pub const ALL: [SenderTrust; 6] = [
        SenderTrust::NotVerified,
        SenderTrust::ReplyAddress,
        SenderTrust::DocketMessage,
        SenderTrust::ConfirmedByLink,
        SenderTrust::DkimAligned,
        SenderTrust::TrustedServer,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            SenderTrust::NotVerified => "not_verified",
            SenderTrust::ReplyAddress => "reply_address",
            SenderTrust::DocketMessage => "docket_message",
            SenderTrust::ConfirmedByLink => "confirmed_by_link",
            SenderTrust::DkimAligned => "dkim_aligned",
            SenderTrust::TrustedServer => "trusted_server",
        }
    }

    /// Reads the stored word.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|trust| trust.as_str() == text)
    }

    /// For staff: "sender not verified".
    pub fn label(self) -> &'static str {
        match self {
            SenderTrust::NotVerified => "sender not verified",
            SenderTrust::ReplyAddress => "sent to the piece's own reply address",
            SenderTrust::DocketMessage => "a reply to Docket's mail, from its recipient",
            SenderTrust::ConfirmedByLink => "confirmed by link",
            SenderTrust::DkimAligned => "DKIM aligned",
            SenderTrust::TrustedServer => "trusted server: dmarc=pass",
        }
    }

    /// For staff, with the sender's domain where it says more: "DKIM aligned (example.org)".
    pub fn describe(self, sender: &str) -> String {
        match (self, sender.rsplit_once('@')) {
            (SenderTrust::DkimAligned, Some((_, domain))) => format!("DKIM aligned ({domain})"),
            _ => self.label().to_owned(),
        }
    }

    /// True when the message may act for the account of its From: address.
    pub fn verified(self) -> bool {
        self != SenderTrust::NotVerified
    }
}

impl fmt::Display for SenderTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trust_reads_back_from_its_stored_word() {
        for trust in SenderTrust::ALL {
            assert_eq!(SenderTrust::parse(trust.as_str()), Some(trust));
        }
        assert_eq!(SenderTrust::parse("dkim"), None);
        assert!(!SenderTrust::NotVerified.verified());
        assert!(SenderTrust::ConfirmedByLink.verified());
    }
}
