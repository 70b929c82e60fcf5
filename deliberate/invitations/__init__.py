"""Invitation links to a debate: for one person or a workshop of N, with an expiry, and a
printable sheet with a QR code. Opening one leads through sign-up or log-in straight to the
debate's join form."""
