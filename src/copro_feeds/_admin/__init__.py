"""The staff web app (``copro-feeds admin``) and the staff accounts behind it.

The only package using Flask, Flask-WTF, argon2-cffi and tomlkit, one job per module:

* ``_passwords`` — argon2 hashes (argon2-cffi).
* ``_accounts`` — staff accounts and signing in, with its throttle, over the store.
* ``_config_file`` — editing feeds.toml's sources with tomlkit (comments and layout kept).
* ``_forms`` — the forms and their checks (Flask-WTF adds the CSRF token).
* ``_session`` — who is signed in: the signed cookie, idle expiry, a new id at sign-in.
* ``_desk`` — what every page works with: the facade, the store, the clock.
* ``_staff``, ``_posts``, ``_partners`` — the pages: signing in and the accounts; the posts,
  the audit log and the roundup; the partners.
* ``_app`` — the Flask app: sign-in required, CSRF, error pages, the pages put together.
* ``_serving`` — the app behind waitress (as ``copro-feeds serve``), and its session secret.
"""
