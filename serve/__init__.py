"""serve: the model behind a web page and a REST API whose corrections land in the labeling queue.

    python -m serve --model runs/NAME --corpus datasets/NAME [--host 127.0.0.1] [--port 8000]

Layout (FastAPI's own: an app factory, routers, dependencies, pydantic models as the schema):
  app.py          create_app(settings): routers, error handlers, body limit, the page
  config.py       Settings and the start-up checks (a token off loopback)
  schemas.py      the API's request and response models
  deps.py         dependencies: the engine, the bearer token, the per-client rate limit
  errors.py       ApiError and the JSON error body {"error", "detail"}
  body_limit.py   ASGI middleware: request bodies capped before they are read into memory
  ratelimit.py    token buckets per client
  intake.py       bytes -> a checked upload (size, sniffed format, pixels from the header only)
  urlsource.py    image_url through the scraper's fetcher, private addresses refused
  classifier.py   the Keras model as one compiled function over a batch
  batcher.py      concurrent requests' faces gathered into one model call
  store.py        every catalog read and write (uploads, faces, predictions, feedback)
  engine.py       the pipeline: intake -> (stored faces | extract) -> batch -> commit
  routes/         predict, feedback, images, meta (health, model, the page)
  static/         the page: plain HTML, CSS and one script
"""
