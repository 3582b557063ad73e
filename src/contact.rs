//! Contact details as people write them: the checks of an e-mail address
//! and a phone number, shared by a plot's contact and an enquiry's sender.

/// An e-mail address: one `@`, something before it, a domain with a dot
/// inside it, no whitespace, at most 254 bytes.
pub fn check_email(s: &str) -> Result<(), String> {
    let ok = s.len() <= 254
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
                && !domain.contains('@')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not an e-mail address"))
    }
}

/// A phone number: digits and spaces, optionally a leading `+`, 5 to 15
/// digits, at most 20 characters.
pub fn check_phone(s: &str) -> Result<(), String> {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let ok = s
        .strip_prefix('+')
        .unwrap_or(s)
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ')
        && (5..=15).contains(&digits)
        && s.len() <= 20;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a phone number (digits and spaces, optionally +country code)"
        ))
    }
}
