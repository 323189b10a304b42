"""Signing in: sign-up, sign-in with a password or a one-time password, sign-out, and the password rule."""
