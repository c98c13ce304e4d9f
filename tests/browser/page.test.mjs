// Browser walk of the "GST Invoice Management System" page in headless Chromium (Debian's), driven by
// playwright-core, against a running `bench serve` on 127.0.0.1. Run: node tests/browser/page.test.mjs
// Env: IMS_URL (default http://127.0.0.1:8000), IMS_USER/IMS_PASSWORD (default Administrator/admin),
// IMS_SCREENSHOTS (default ./benchmarks/out/screenshots), CHROMIUM (default /usr/bin/chromium),
// PLAYWRIGHT_CORE (path to the playwright-core package, default resolved from NODE_PATH).
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");
const base = process.env.IMS_URL || "http://127.0.0.1:8000";
const shots = process.env.IMS_SCREENSHOTS || "benchmarks/out/screenshots";
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync"],
});
let passed = 0;
let failed = 0;
async function step(name, fn) {
	try {
		await fn();
		passed += 1;
		console.log(`ok - ${name}`);
	} catch (error) {
		failed += 1;
		console.log(`not ok - ${name}\n  ${String(error).split("\n").join("\n  ")}`);
	}
}

const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.setDefaultTimeout(20000);
try {
	await step("log in", async () => {
		await page.goto(`${base}/login`);
		await page.fill("#login_email", process.env.IMS_USER || "Administrator");
		await page.fill("#login_password", process.env.IMS_PASSWORD || "admin");
		await page.click(".btn-login");
		await page.waitForURL(/\/app/);
	});
	await step("find the page from the awesomebar", async () => {
		await page.click("#navbar-search");
		await page.keyboard.type("GST Invoice Management System", { delay: 20 });
		const item = page.locator(".awesomplete li", { hasText: "GST Invoice Management System" }).first();
		await item.waitFor();
		await item.click();
		await page.waitForURL(/gst-invoice-management-system/);
		await page.locator(".ims-tabs").waitFor();
	});
	await step("Match Summary tab shows rows", async () => {
		await page.locator('[data-pane="match-summary"] table tbody tr').first().waitFor();
		await page.screenshot({ path: `${shots}/match-summary.png`, fullPage: true });
	});
	await step("clicking a match status opens Document View filtered to it", async () => {
		const row = page.locator('[data-pane="match-summary"] table tbody tr', { hasText: "Missing in PI" }).first();
		await row.click();
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		assert.match(page.url(), /match_status=Missing/);
		await page.screenshot({ path: `${shots}/document-view.png`, fullPage: true });
	});
	await step("Actions Summary tab shows both tables", async () => {
		await page.click('.ims-tabs [data-tab="actions-summary"]');
		await page.locator('[data-pane="actions-summary"] table').nth(1).waitFor();
		await page.screenshot({ path: `${shots}/actions-summary.png`, fullPage: true });
	});
} finally {
	await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
