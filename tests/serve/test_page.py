"""The page in real headless Chromium against the real server: upload, boxes and bars, a
correction, then the correction in the corpus and in the labeler's web queue."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from labeler.queue import ItemQueue

from .conftest import open_corpus


@pytest.fixture(scope="module")
def driver():
    from scraper.browser import Browser
    b = Browser(local=True).start()        # headless, quiet flags, no look-ups off 127.0.0.1
    yield b.driver
    b.close()


def test_upload_see_faces_send_a_correction(server, driver, photos, artifacts):
    driver.set_window_size(1280, 900)
    driver.get(server.url("/"))
    wait = WebDriverWait(driver, 60)
    wait.until(EC.text_to_be_present_in_element((By.ID, "model"), "model "))
    classes = driver.execute_script("return fetch('/v1/model').then(r => r.json())")["classes"]
    user = driver.find_element(By.ID, "user")
    user.clear()
    user.send_keys("pagetester")
    driver.find_element(By.ID, "file").send_keys(
        str(photos / "face_recognition" / "two_people.jpg"))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".face")) == 2)
    cards = driver.find_elements(By.CSS_SELECTOR, ".face")
    for card in cards:
        bars = card.find_elements(By.CSS_SELECTOR, ".bar")
        assert [b.get_attribute("data-cls") for b in bars] == classes
        widths = [float(b.find_element(By.CSS_SELECTOR, ".fill").value_of_css_property("width")
                        .removesuffix("px")) for b in bars]
        assert sum(widths) > 0 and len(card.find_elements(By.CSS_SELECTOR, ".bar.top")) == 1
    assert "2 faces found" in driver.find_element(By.ID, "status").text
    # the photo is drawn with its boxes: the canvas is as wide as the photo scaled to 640
    assert driver.execute_script("return document.getElementById('photo').width") == 640

    card = cards[1]
    top = card.find_element(By.CSS_SELECTOR, ".bar.top").get_attribute("data-cls")
    fix = next(c for c in ("sad", "angry", "fear") if c != top)
    Select(card.find_element(By.CSS_SELECTOR, "select.fix")).select_by_value(fix)
    card.find_element(By.CSS_SELECTOR, "button.send").click()
    sent = card.find_element(By.CSS_SELECTOR, ".sent")
    wait.until(lambda d: "received" in sent.text)
    assert f'"{fix}"' in sent.text
    face_id = int(card.get_attribute("data-face-id"))
    driver.save_screenshot(str(artifacts / "serve-page.png"))

    c = open_corpus(server)
    try:
        events = [e for e in c.label_history(face_id) if e["user"] == "web:pagetester"]
        assert [e["new_label"] for e in events] == [fix]
        assert c.item(face_id)["label_source"] == "web" and not c.item(face_id)["reviewed"]
        assert face_id in ItemQueue(c, source="web").ids      # what the curator will see
    finally:
        c.close()


def test_a_refused_url_is_shown_on_the_page(server, driver):
    driver.get(server.url("/"))
    wait = WebDriverWait(driver, 60)
    wait.until(EC.text_to_be_present_in_element((By.ID, "model"), "model "))
    driver.find_element(By.ID, "url").send_keys("http://169.254.169.254/latest/meta-data/")
    driver.find_element(By.CSS_SELECTOR, "#url-form button[type=submit]").click()
    status = driver.find_element(By.ID, "status")
    wait.until(lambda d: "link-local" in status.text)
    assert "error" in status.get_attribute("class")
