//! An email address as Docket keys people by: trimmed and lower-cased once, where it is read
//! (a form, a mail header, a call file), so that `Ada@Example.org` and `ada@example.org` are one
//! account, one sender and one rate limit everywhere after.

use std::fmt;
use std::ops::Deref;

/// A normalised address. It says nothing of whether the address is well formed: a form checks
/// that with [`Email::parse`](crate::call::Email::parse) first; a mail header's address is what
/// the sender's software wrote, and is compared, never trusted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Address(String);

impl Address {
    /// `text` trimmed and lower-cased.
    pub fn new(text: &str) -> Self {
        Self(text.trim().to_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for Address {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Address {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Address> for String {
    fn from(address: Address) -> Self {
        address.0
    }
}

impl PartialEq<str> for Address {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Address {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_one_whatever_its_case_and_spacing() {
        assert_eq!(
            Address::new(" Ada@Example.ORG "),
            Address::new("ada@example.org")
        );
        assert_eq!(
            Address::new("İlker@example.org").as_str(),
            "i̇lker@example.org"
        );
        assert_eq!(Address::new("ada@example.org"), "ada@example.org");
    }
}
