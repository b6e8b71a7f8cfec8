"""Staff accounts in the browser: invitations, password reset, the account page, two-factor
sign-in, the per-account sign-in lock and the account log.

- `totp`: RFC 6238 codes (pure functions)
- `log`: the account log
- `links`: single-use invitation and password-reset links
- `admin`: the user administration (who may see which accounts is decided in `visible_users`)
- `security`: passwords, two-factor sign-in, recovery codes and the account lock
- `mails`: the invitation and reset mails, through the outbox
- `remit`: the processes and action fields a staff member works in, asked by every staff
  route, list and count

Creating accounts and signing in with a password stay in services/users.py, the password
rules in services/passwords.py.
"""
