"""The super administrator's credentials: stored profiles, OAuth login, refresh during runs.

Modules: `profiles` (owner-only credentials files, one per profile, with an inter-process lock),
`oauth` (Feishu's authorize URL with PKCE, code exchange, refresh, user info), `loopback` (the
redirect listener and the pasted-URL fallback of `auth login`), `tokens` (the `TokenSource` a run
reads its token from, refreshing once for all workers and processes), `choose` (which host and
which token a command uses: --token, the environment, the sandbox or a profile), `scopes` (what
`auth login` asks for, what each call needs, what a refusal for a missing scope names).
"""
