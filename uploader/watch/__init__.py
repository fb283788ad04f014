"""The watch folder: releases dropped into a folder are uploaded once complete, exactly once.

    scan ....... what in a watched folder is a release; a cheap on-disk snapshot of one
    settle ..... complete = nothing changed for the settle period (debounced, clock injectable)
    policy ..... given the journal: process, skip (done) or hold (permanent failure); backoff
    observer ... watchdog events (native or polling) in, plain paths out
    workers .... builder threads hash, one publisher talks to the site
    daemon ..... the loop tying them together; signals; --once
    service .... the `watch` command's wiring: client, journal, pipeline, profiles, sandbox

Only `service` and `daemon` import the pipeline; watchdog is imported when the observer starts.
"""
