"""The bench cockpit: a local web page for a running or finished session.

A room of its own above the runner and the session store: it reads the session directory (records,
the runner's documents in the journal, the I/O transcript) and asks the runner to pause, resume or
abort only through the runner's request file (`ssbcert.runner.control`). Web libraries (Starlette,
uvicorn) are imported by `app` and `server` only, never by the rest of ssbcert.

    view.SessionView   what changed in a session directory since the last look (plain data)
    listing            session folders, registry sessions and certificates
    app                the Starlette application (page, JSON, server-sent events, control)
    server             uvicorn in the foreground or on a thread beside a run
    static/            the page and its plotting script (no CDN: labs are often offline)
"""
