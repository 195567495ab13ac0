"""The web console in a real headless Chromium, as a person uses it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from segmentd.domain.projects.model import Role
from tests.api.conftest import token_for
from tests.console.browser import Console
from tests.live import LiveServer

Shot = Callable[[str], Path]
SEGMENTS = "/api/v2/segments/default/production"


def _api(live: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=live.base_url, headers={"Authorization": live.admin_token})


def _segment_including(live: LiveServer, key: str, name: str, context_key: str) -> None:
    with _api(live) as http:
        http.post(SEGMENTS, json={"key": key, "name": name}).raise_for_status()
        http.patch(
            f"{SEGMENTS}/{key}", json=[{"op": "add", "path": "/included/-", "value": context_key}]
        ).raise_for_status()


def test_console__writer_builds_a_segment__targets_rules_explain_history(
    live: LiveServer, driver: WebDriver, screenshot: Shot
) -> None:
    _segment_including(live, "vip-nested", "VIP (nested)", "bob")
    page = Console(driver, live.base_url)
    page.sign_in(token_for(live, Role.WRITER))
    page.wait_text(".count", "segment")

    # create a segment
    page.button("Create segment").click()
    page.fill(page.labelled("Name"), "Beta testers DE")
    assert page.labelled("Key").get_attribute("value") == "beta-testers-de"
    page.button("Create segment", within=page.find("form.create")).click()
    page.wait_text("h1", "Beta testers DE")
    screenshot("segment-settings")

    # bulk paste of thousands of keys
    page.tab("Targets").click()
    keys = "\n".join(f"user-{i}" for i in range(3000))
    page.set_value(page.labelled("Context keys"), keys + "\nalice")
    page.button("Add keys").click()
    page.wait_text(".card h3", "(3001)")
    page.fill(page.find("input[aria-label='Find a user key in included']"), "alice")
    page.wait_text("ul.targets", "alice")
    screenshot("segment-targets")

    # a rule with two clauses, the second a nested segmentMatch
    page.tab("Rules").click()
    page.button("+ Add rule").click()
    rule = page.find("li.rule")
    page.fill(page.labelled("Attribute or /reference", rule), "country")
    page.fill(page.labelled("Values", rule), "de, at")
    page.button("+ Add clause", rule).click()
    second = page.all("li.clause")[1]
    page.select(page.labelled("Operator", second), "segmentMatch")
    second = page.all("li.clause")[1]
    page.fill(page.labelled("Segments", second), "vip-nested")
    page.labelled("Segments", second).send_keys("\t")

    # the API's validation message appears beside the field it names
    first = page.all("li.clause")[0]
    page.select(page.labelled("Operator", first), "matches")
    first = page.all("li.clause")[0]
    page.fill(page.labelled("Values", first), "([")
    page.labelled("Values", first).send_keys("\t")
    page.button("Save rules").click()
    error = page.wait_text("li.clause .field-error", "matches")
    values_input = page.labelled("Values", page.all("li.clause")[0])
    assert error.get_attribute("id") == f"{values_input.get_attribute('id')}-error"
    screenshot("segment-rule-error")
    first = page.all("li.clause")[0]
    page.select(page.labelled("Operator", first), "in")
    first = page.all("li.clause")[0]
    page.fill(page.labelled("Values", first), "de, at")
    page.labelled("Values", first).send_keys("\t")
    page.fill(page.find("input[placeholder^='why']"), "EU beta")
    page.button("Save rules").click()
    page.wait_text(".toast", "Rules saved")
    with _api(live) as http:
        rules = http.get(SEGMENTS + "/beta-testers-de").json()["rules"]
    assert [c["op"] for c in rules[0]["clauses"]] == ["in", "segmentMatch"]
    assert rules[0]["clauses"][1]["values"] == ["vip-nested"]
    page.wait_text("li.rule h3", "Rule 1")
    screenshot("segment-rules")

    # explain a context: rule 1 matched, and each clause shows the value it saw
    page.tab("Why a member?").click()
    context = '{"kind": "user", "key": "bob", "country": "de"}'
    page.set_value(page.labelled("Context JSON (single or multi-kind)"), context)
    page.button("Check membership").click()
    page.wait_text(".explanation .summary", "member")
    matched = page.wait_text("tr.clause-matched", '"de"')
    assert "country" in matched.text
    assert "matched" in matched.text
    assert len(page.all("tr.clause-matched")) == 2
    screenshot("segment-explain")

    # the history shows who changed what, newest first, with the comment
    page.tab("History").click()
    newest = page.find("ol.history > li")
    assert "EU beta" in newest.text
    assert "rules" in page.find("ul.diff", newest).text
    assert len(page.all("ol.history > li")) == 6  # create, 4 batches of targets, rules
    screenshot("segment-history")

    # sign out: the cookie is gone and the sign-in form is back
    page.button("Sign out").click()
    page.wait_text("h1", "Sign in")
    assert not [c for c in driver.get_cookies() if c["name"] == "segmentd_session"]
    page.open()
    page.labelled("Access token")


def test_console__environment_wide_evaluation__lists_memberships(
    live: LiveServer, driver: WebDriver, screenshot: Shot
) -> None:
    _segment_including(live, "carol-fans", "Carol fans", "carol")
    page = Console(driver, live.base_url)
    page.sign_in(live.admin_token)
    page.link("Why a member?").click()
    page.set_value(page.labelled("Context JSON (single or multi-kind)"), '{"key": "carol"}')
    page.button("Check membership").click()
    row = page.wait_text("tbody tr", "carol-fans")
    assert "member" in row.text
    assert "not a member" not in row.text
    screenshot("environment-evaluation")


def test_console__big_segment_upload__progress_reaches_complete(
    live: LiveServer, driver: WebDriver, screenshot: Shot, tmp_path: Path
) -> None:
    with _api(live) as http:
        http.post(SEGMENTS, json={"key": "big-buyers", "name": "Big buyers", "unbounded": True})
    csv = tmp_path / "keys.csv"
    csv.write_text("\n".join(f"buyer-{i}" for i in range(20000)) + "\n")
    page = Console(driver, live.base_url)
    page.sign_in(token_for(live, Role.WRITER))
    page.open("/default/production/segments/big-buyers/big")
    page.labelled("CSV file").send_keys(str(csv))
    page.button("Upload").click()
    page.wait_text(".import-status", "complete", timeout=60)
    bar = page.find("progress")
    assert bar.get_attribute("value") == "100"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", bar)
    page.wait_text("#included-count", "20000")
    screenshot("big-segment-import")

    page.fill(page.labelled("Context key"), "buyer-42")
    page.button("Look up").click()
    page.wait_text(".lookup-result", "buyer-42 is included")

    page.button("Export included keys").click()
    download = page.link_partial("Download CSV")
    assert (download.get_attribute("href") or "").endswith("/download")


def test_console__reader__no_edit_controls_and_forged_post_refused(
    live: LiveServer, driver: WebDriver, screenshot: Shot
) -> None:
    with _api(live) as http:
        http.post(SEGMENTS, json={"key": "read-only-view", "name": "Read only view"})
    page = Console(driver, live.base_url)
    page.sign_in(token_for(live, Role.READER))
    page.wait_text(".role", "reader")
    assert not page.all("details.create-wrap")
    page.open("/default/production/segments/read-only-view")
    page.wait_text("h1", "Read only view")
    assert page.labelled("Name").get_attribute("readonly") is not None
    assert not page.all("button.primary")
    assert not page.all("button.danger")
    page.tab("Rules").click()
    page.find("ol.rules")
    assert not page.all("button.primary")
    assert not page.all(".add-clause")
    page.tab("Targets").click()
    page.find(".card h2")
    assert not page.all("textarea")
    screenshot("reader-segment")

    # a form the reader forges (no CSRF token can ride along with a plain HTML form)
    driver.execute_script(
        """const f = document.createElement('form');
        f.method = 'post'; f.action = '/api/v2/segments/default/production';
        for (const [k, v] of [['key', 'forged'], ['name', 'Forged']]) {
          const i = document.createElement('input'); i.name = k; i.value = v; f.append(i);
        }
        document.body.append(f); f.submit();"""
    )
    body = page.find("body").text
    assert '"code":"forbidden"' in body.replace(" ", "")
    # and with the CSRF token, the role check still says no
    status = driver.execute_async_script(
        """const done = arguments[0];
        fetch('/console/session').then(r => r.json()).then(s => fetch(
          '/api/v2/segments/default/production', {method: 'POST',
          headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf},
          body: JSON.stringify({key: 'forged', name: 'Forged'})})).then(r => done(r.status));"""
    )
    assert status == 403
    with _api(live) as http:
        assert http.get(SEGMENTS + "/forged").status_code == 404


def test_console__phone_width__usable_without_sideways_scrolling(
    live: LiveServer, driver: WebDriver, screenshot: Shot
) -> None:
    page = Console(driver, live.base_url)
    page.sign_in(live.admin_token)
    page.wait_text(".count", "segment")
    screenshot("segments-list")
    driver.set_window_size(390, 844)
    page.open("/default/production/segments")
    page.wait_text(".count", "segment")
    width = driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], width
    screenshot("phone-segments-list")
    # keyboard: the skip link is the first stop and leads to the content
    driver.refresh()
    page.wait_text(".count", "segment")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.switch_to.active_element.text == "Skip to content"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    assert driver.switch_to.active_element.get_attribute("id") == "main"


def test_console__projects_page__keys_to_copy_and_admin_creates_environment(
    live: LiveServer, driver: WebDriver, screenshot: Shot
) -> None:
    page = Console(driver, live.base_url)
    page.sign_in(live.admin_token)
    page.link("Projects & keys").click()
    sdk_key = page.find("input[aria-label='SDK key']").get_attribute("value") or ""
    assert sdk_key.startswith("sdk-")
    section = page.find("form[aria-label='Create environment']")
    page.fill(page.labelled("Name", section), "Staging")
    page.fill(page.labelled("Key", section), "staging")
    page.button("Create environment", section).click()
    page.wait_text("section.env h2", "Staging")
    assert "default/staging" in driver.current_url
    screenshot("projects")


def test_docs__offline_swagger_ui__authorize_button(
    live: LiveServer, driver: WebDriver, screenshot: Shot
) -> None:
    driver.get(live.base_url + "/docs")
    page = Console(driver, live.base_url)
    page.find(".swagger-ui button.authorize")
    page.wait_text(".swagger-ui", "Create segment")
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources
    assert all(r.startswith(live.base_url) for r in resources), resources
    screenshot("docs")
    assert driver.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock")
