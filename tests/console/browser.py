"""A thin layer over Selenium for the console tests: waits instead of sleeps."""

from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

TIMEOUT = 15


class Console:
    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def _wait(self, timeout: float = TIMEOUT) -> WebDriverWait[WebDriver]:
        # The page re-renders after each change: an element found a moment ago may be gone.
        return WebDriverWait(
            self.driver, timeout, ignored_exceptions=(StaleElementReferenceException,)
        )

    def open(self, hash_path: str = "") -> None:
        self.driver.get(f"{self.base_url}/{'#' + hash_path if hash_path else ''}")

    def find(self, css: str, within: WebElement | None = None) -> WebElement:
        root = within or self.driver
        self._wait().until(lambda _: root.find_elements(By.CSS_SELECTOR, css))
        return root.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def button(self, text: str, within: WebElement | None = None) -> WebElement:
        xpath = f".//button[normalize-space(.)='{text}'] | .//summary[normalize-space(.)='{text}']"
        root = within or self.driver
        self._wait().until(lambda _: root.find_elements(By.XPATH, xpath))
        element = root.find_element(By.XPATH, xpath)
        self._wait().until(ec.element_to_be_clickable(element))
        return element

    def link(self, text: str) -> WebElement:
        return self._wait().until(ec.element_to_be_clickable((By.LINK_TEXT, text)))

    def labelled(self, label: str, within: WebElement | None = None) -> WebElement:
        """The control of the ``<label>`` whose text is ``label``."""
        root = within or self.driver
        xpath = f".//label[normalize-space(.)='{label}']"
        self._wait().until(lambda _: root.find_elements(By.XPATH, xpath))
        target = root.find_element(By.XPATH, xpath).get_attribute("for")
        return self.driver.find_element(By.ID, str(target))

    def fill(self, element: WebElement, text: str) -> None:
        element.clear()
        element.send_keys(text)

    def set_value(self, element: WebElement, text: str) -> None:
        """Set a large value at once (typing thousands of keys would take minutes) and fire
        the events a person's typing fires."""
        self.driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            element,
            text,
        )

    def select(self, element: WebElement, value: str) -> None:
        Select(element).select_by_value(value)

    def wait_text(self, css: str, text: str, timeout: float = TIMEOUT) -> WebElement:
        def found(_: object) -> WebElement | bool:
            for element in self.driver.find_elements(By.CSS_SELECTOR, css):
                if text in element.text:
                    return element
            return False

        result = self._wait(timeout).until(found)
        assert isinstance(result, WebElement)
        return result

    def sign_in(self, token: str) -> None:
        self.open()
        self.fill(self.labelled("Access token"), token)
        self.button("Sign in").click()
        self.find("header.topbar")

    def link_partial(self, text: str) -> WebElement:
        return self._wait().until(ec.element_to_be_clickable((By.PARTIAL_LINK_TEXT, text)))

    def tab(self, text: str) -> WebElement:
        """A tab of the segment page (the top navigation has links of the same name)."""
        xpath = f"//nav[contains(@class, 'tabs')]//a[normalize-space(.)='{text}']"
        return self._wait().until(ec.element_to_be_clickable((By.XPATH, xpath)))
