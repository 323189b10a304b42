"""Users: the signed-in user's own profile, what Admins see and change, abuse levels, API2's session."""
