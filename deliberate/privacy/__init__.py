"""Privacy by design: a person's copy of their data, account deletion, the purge of transient
personal data, and the admins' user list (the one place an email is shown to someone other
than its owner). What is stored, why and for how long: docs/privacy.md."""
