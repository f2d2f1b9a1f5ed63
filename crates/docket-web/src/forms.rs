//! Form errors gathered per field, for the error summary at the top of a form and the message
//! beside each field (the GOV.UK Design System's pattern).

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The `id` of the input the summary links to.
    pub field: String,
    pub message: String,
    /// The judge's code for the problem (`words_over_limit`), when the judge found it.
    pub code: Option<&'static str>,
}

/// Every problem with a submitted form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    /// Adds a problem with `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
            code: None,
        });
    }

    /// Adds what the judge found, with its code.
    pub fn add_finding(&mut self, finding: &docket_core::judge::Finding) {
        self.0.push(FieldError {
            field: finding.field.clone(),
            message: finding.message.clone(),
            code: Some(finding.code.as_str()),
        });
    }

    /// True when there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    /// True when `field` has a problem.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// The problems, for the summary.
    pub fn all(&self) -> &[FieldError] {
        &self.0
    }
}

/// A form whose checkboxes may repeat a name (`day=…&day=…`), read as pairs.
pub(crate) struct Pairs(pub(crate) Vec<(String, String)>);

impl Pairs {
    /// The first value given for `name`, or "".
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Every value given for `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }
}
