"""What every area of the web UI shares: who is asking (:mod:`.security`),
the request's unit of work (:mod:`.uow`), form data and errors, languages,
live streams, rate limits, access to FreeSWITCH. Areas import from here;
nothing here imports an area."""
