"""One router per resource: predict, feedback, images, meta (health, model, the page)."""
