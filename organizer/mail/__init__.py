"""E-mail outbox and SMTP sender."""
