#!/usr/bin/python3
"""`r2bench serve` in a real browser: headless Chromium (Debian's `chromium`) driven through the
DevTools protocol (Debian's python3-websocket), no other tool. It opens the board, uploads a zip
through the form as a user would (file chooser included), follows the status page until it turns
done, and finds the row on the board with the J&F&R that `r2bench score` gives the same zip. A
screenshot of each page is written to --screenshots; console errors (a Content-Security-Policy
violation among them) fail the test.

    tests/browser/serve_browser_test.py --r2bench build/r2bench --screenshots build/browser-shots
"""
import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

import websocket  # python3-websocket


class Browser:
    """One headless Chromium with one page, spoken to over the DevTools protocol."""

    def __init__(self, profile):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if not exe:
            sys.exit("serve_browser_test: chromium is not installed (scripts/setup.sh installs it)")
        self.proc = subprocess.Popen(
            [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--remote-debugging-port=0", "--remote-allow-origins=*", f"--user-data-dir={profile}",
             "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(profile, "DevToolsActivePort")
        for _ in range(600):  # bounded: 60 s
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("chromium did not open its DevTools port within 60 s")
        port = int(open(port_file).read().split()[0])
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(p for p in pages if p["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.errors = []
        for domain in ("Page", "Runtime", "DOM", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.event(message)

    def event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(params["entry"]["text"])
        elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
            self.errors.append(str(params["args"]))

    def eval(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                value = self.eval(expression)
                if value:
                    return value
            except RuntimeError:
                pass  # the page is navigating
            time.sleep(0.1)
        raise RuntimeError(f"timed out after {seconds} s waiting for {expression}")

    def open(self, url):
        # The old document is marked, so that waiting ends on the new one, whatever the browser
        # makes of the URL's escaping.
        self.eval("window.__r2_old_page = true")
        self.call("Page.navigate", url=url)
        self.wait_for("!window.__r2_old_page && document.readyState === 'complete'")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        print(f"  screenshot {path}")

    def close(self):
        self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def zip_folder(folder, path):
    with zipfile.ZipFile(path, "w") as z:
        for root, _, files in os.walk(folder):
            for name in sorted(files):
                if not name.startswith("."):
                    full = os.path.join(root, name)
                    z.write(full, os.path.relpath(full, folder))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--r2bench", required=True)
    ap.add_argument("--screenshots", required=True)
    args = ap.parse_args()
    r2bench = os.path.abspath(args.r2bench)
    os.makedirs(args.screenshots, exist_ok=True)
    work = tempfile.mkdtemp(prefix="r2bench-browser-")
    server = browser = None
    try:
        print("serve_browser_test: data (synth tiny, R² pairs, a noisy-oracle run) …")
        run([r2bench, "--quiet", "synth", "--preset", "tiny", "--out", f"{work}/synth"])
        run([r2bench, "--quiet", "build-dataset", "--source", f"{work}/synth", "--seed", "0", "--out", f"{work}/r2"])
        pairs = f"{work}/r2/r2_pairs.json"
        run([r2bench, "--quiet", "run", "--model", "noisy-oracle", "--source", f"{work}/synth", "--pairs", pairs, "--out", f"{work}/run"])
        zip_folder(f"{work}/run", f"{work}/submission.zip")
        run([r2bench, "--quiet", "score", f"{work}/submission.zip", "--source", f"{work}/synth", "--pairs", pairs, "--out", f"{work}/expected"])
        expected = json.load(open(f"{work}/expected/summary.json"))["metrics"]["J&F&R"]
        token = re.search(r"r2t_[0-9a-f]{48}", run([r2bench, "serve", "--data", f"{work}/server", "--add-team", "Lab <b>Vision</b>"])).group(0)
        log = open(f"{work}/server.log", "w")
        server = subprocess.Popen([r2bench, "serve", "--source", f"{work}/synth", "--pairs", pairs, "--data", f"{work}/server",
                                   "--port", "0"], stdout=log, stderr=log)
        for _ in range(600):
            if os.path.exists(f"{work}/server/address"):
                break
            time.sleep(0.1)
        base = open(f"{work}/server/address").read().strip()
        print(f"serve_browser_test: server at {base}; chromium …")
        browser = Browser(f"{work}/profile")
        shots = args.screenshots

        browser.open(base + "/")
        assert browser.eval("document.querySelector('h1').textContent") == "Leaderboard"
        assert "No submission has been scored yet" in browser.eval("document.body.innerText")
        browser.screenshot(f"{shots}/1-board-empty.png")

        browser.open(base + "/submit")
        browser.eval(f"""document.querySelector("input[name=team]").value = {json.dumps("Lab <b>Vision</b>")};
                         document.querySelector("input[name=token]").value = {json.dumps(token)};
                         document.querySelector("input[name=method]").value = "noisy oracle <i>v1</i>"; true""")
        node = browser.call("DOM.querySelector", nodeId=browser.call("DOM.getDocument")["root"]["nodeId"], selector="input[name=zip]")["nodeId"]
        browser.call("DOM.setFileInputFiles", nodeId=node, files=[f"{work}/submission.zip"])
        browser.screenshot(f"{shots}/2-submit-form.png")
        browser.eval("document.querySelector('button[type=submit]').click(); true")
        status_url = browser.wait_for("/\\/submissions\\/\\d+$/.test(location.pathname) && document.readyState === 'complete' && location.href")
        print(f"serve_browser_test: submitted, status page {status_url}")
        deadline = time.time() + 180
        state = ""
        # No reloading here: the status page reloads itself (a meta refresh) until the scoring ends.
        while time.time() < deadline:
            try:
                state = browser.eval("document.getElementById('state') ? document.getElementById('state').dataset.state : ''")
            except RuntimeError:
                state = ""  # caught while the page reloads itself
            if state in ("done", "failed"):
                break
            time.sleep(0.5)
        browser.screenshot(f"{shots}/3-status.png")
        assert state == "done", f"the submission ended {state!r}: {browser.eval('document.body.innerText')}"

        browser.open(base + "/")
        row = browser.eval("""(() => { const tr = document.querySelector('#board tbody tr[data-id]');
                               return tr && Array.from(tr.children).map(td => [td.textContent, td.dataset.v || '']); })()""")
        assert row, "no row on the board"
        team, method, jfr_text, jfr_value = row[1][0], row[2][0], row[3][0], float(row[3][1])
        assert team == "Lab <b>Vision</b>" and method == "noisy oracle <i>v1</i>", (team, method)  # shown as text, not markup
        assert abs(jfr_value - expected) < 1e-6, (jfr_value, expected)
        assert jfr_text == f"{100 * expected:.1f}", (jfr_text, expected)
        # The sorting script runs (it is /static/board.js: the CSP allows no inline script).
        browser.eval("document.querySelectorAll('th[data-sort]')[3].click(); true")
        assert browser.eval("document.querySelectorAll('th[data-sort]')[3].dataset.dir") == "down"
        browser.screenshot(f"{shots}/4-board.png")
        browser.open(base + "/teams/" + urllib.parse.quote("Lab <b>Vision</b>", safe=""))
        assert browser.eval("document.querySelector('h1').textContent") == "Team Lab <b>Vision</b>"
        assert "noisy oracle <i>v1</i>" in browser.eval("document.getElementById('history').innerText")
        browser.screenshot(f"{shots}/5-team.png")
        browser.open(status_url.replace("/submissions/", "/submissions/") + "/report.html")
        browser.screenshot(f"{shots}/6-report.png")
        real_errors = [e for e in browser.errors if "favicon" not in e]
        assert not real_errors, f"console errors: {real_errors}"
        print(f"serve_browser_test: OK (J&F&R {jfr_text} on the board, {expected:.6f} from `r2bench score`)")
    finally:
        if browser:
            browser.close()
        if server:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    import urllib.parse
    main()
