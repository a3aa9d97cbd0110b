"""Archive re-analysis (issue #10): many recorded sessions → today's analysis → the registry.

    sessions = sessions_under([Path("archive/")])          # or sessions_in_registry(url, match)
    report = reanalyse_archive(sessions, ReanalysisStore(url), engine="pool" | "dask" | "serial",
                               scheduler="tcp://host:8786" | "local" | None, workers=None)

`task.reanalyse_session` is the single function every engine runs (session path → plain data);
`store.ReanalysisStore` keeps one row per analysed session, so runs resume; `synthetic` writes
test sessions.
"""
