from labeler import keys
from labeler.review_view import PAGE
from tests.labeler.conftest import press


def status(app, item_id):
    r = app.corpus.item(item_id)
    return r["status"], r["reviewed"]


def test_grid_keys_toggle_reject_and_return_accepts_the_page(make_app):
    app = make_app(mode="review")
    page = app.view.page_ids
    assert len(page) == PAGE == 24
    press(app, "<Key-w>")                      # row 2, column 2
    press(app, "<Key-c>")                      # row 4, column 3
    assert status(app, page[7]) == ("rejected", 1)
    assert status(app, page[20]) == ("rejected", 1)
    assert "REJECTED" in app.view.captions[7].cget("text")
    press(app, "<Key-c>")                      # toggled back
    assert status(app, page[20])[0] == "ok"
    labels = {i: app.corpus.item(i)["label"] for i in page}
    press(app, "<Return>")
    for i in page:
        assert app.corpus.item(i)["reviewed"] == 1
        assert app.corpus.item(i)["label"] == labels[i]
    assert status(app, page[7])[0] == "rejected"
    assert app.view.page == 1 and app.view.page_ids == app.queue.ids[PAGE:2 * PAGE]
    assert "page 2/2" in app.root.title()


def test_click_toggles_reject(make_app):
    app = make_app(mode="review")
    cell = app.view.cells[0]
    cell.event_generate("<Button-1>", x=10, y=10)
    app.root.update()
    assert status(app, app.view.page_ids[0]) == ("rejected", 1)


def test_review_one_label_and_undo_goes_back_a_page(make_app):
    app = make_app(mode="review", label="happy")
    assert all(app.corpus.item(i)["label"] == "happy" for i in app.queue.ids)
    first = app.view.page_ids[0]
    press(app, "<Key-1>")
    press(app, "<Return>")                     # single page: stays, all reviewed
    assert app.queue.done == len(app.queue)
    for _ in range(len(app.queue) - 1):        # undo the accepted page's review marks ...
        press(app, "<Control-z>")
    press(app, "<Control-z>")                  # ... and then the reject
    assert status(app, first) == ("ok", 0)
    assert app.queue.done == 0


def test_page_keys_move_without_changing(make_app):
    app = make_app(mode="review")
    press(app, "<Next>")
    assert app.view.page == 1 and len(app.view.page_ids) == len(app.queue) - PAGE
    assert app.view.captions[-1].cget("text") == ""      # the short last page
    press(app, "<Key-n>")                      # empty cell: nothing happens
    press(app, "<Prior>")
    assert app.view.page == 0
    assert app.queue.done == 0


def test_reopening_starts_at_the_first_unreviewed_page(make_app, face_corpus):
    app = make_app(mode="review", status="all")
    press(app, "<Return>")
    again = make_app(mode="review", status="all")
    assert again.view.page == 1
    assert keys.GRID_KEYS[0] in again.view.captions[0].cget("text")


def test_caps_lock_grid_key_still_toggles(make_app):
    app = make_app(mode="review")
    press(app, "<Key-Q>")
    assert status(app, app.view.page_ids[6]) == ("rejected", 1)
