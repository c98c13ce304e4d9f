// Issue 9 acceptance in a real browser: after `bench --site <site> ims-demo` and a download, the page's
// three tabs show non-zero numbers. Run by scripts/check_demo.sh (which prepares the site), or:
// IMS_URL=http://<site>:<port> node tests/browser/demo.test.mjs
// Env as in page.test.mjs: IMS_USER/IMS_PASSWORD, IMS_SCREENSHOTS, CHROMIUM, PLAYWRIGHT_CORE.
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
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.setDefaultTimeout(20000);
let passed = 0;
let failed = 0;
async function step(name, fn) {
	try {
		await fn();
		passed += 1;
		console.log(`ok - ${name}`);
	} catch (error) {
		failed += 1;
		await page.screenshot({ path: `${shots}/demo-failed-${passed + failed}.png`, fullPage: true }).catch(() => {});
		console.log(`not ok - ${name}\n  ${String(error).split("\n").join("\n  ")}`);
	}
}
const numbers = (text) => (text.match(/\d[\d,]*/g) || []).map((n) => Number(n.replace(/,/g, "")));
const gstin = process.env.IMS_DEMO_GSTIN || "27AAZCI5150M1ZR";
const url = (query) => `${base}/app/gst-invoice-management-system?company_gstin=${gstin}&${query}`;

try {
	await step("log in", async () => {
		await page.goto(`${base}/login`);
		await page.fill("#login_email", process.env.IMS_USER || "Administrator");
		await page.fill("#login_password", process.env.IMS_PASSWORD || "admin");
		await page.click(".btn-login");
		await page.waitForURL(/\/app/);
	});
	await step("Match Summary shows the demo's match statuses with non-zero counts", async () => {
		await page.goto(url("tab=match-summary"));
		const table = page.locator('[data-pane="match-summary"] table').first();
		await table.waitFor();
		const text = await table.innerText();
		assert.match(text, /Exact Match/);
		assert.match(text, /Missing in PI/);
		assert.ok(Math.max(...numbers(text)) > 0, text);
		await page.screenshot({ path: `${shots}/demo-match-summary.png`, fullPage: true });
	});
	await step("Document View lists the demo's records", async () => {
		await page.goto(url("tab=document-view"));
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		const total = numbers(await page.locator(".ims-dv-count").innerText())[0];
		assert.ok(total >= 250, `expected the ~300 demo records, saw ${total}`);
		await page.screenshot({ path: `${shots}/demo-document-view.png`, fullPage: true });
	});
	await step("Actions Summary shows invoices, credit notes and debit notes", async () => {
		await page.goto(url("tab=actions-summary"));
		const table = page.locator('[data-pane="actions-summary"] table').first();
		await table.waitFor();
		const text = await table.innerText();
		for (const type of ["Invoice", "Credit Note", "Debit Note"]) assert.match(text, new RegExp(type));
		assert.ok(numbers(text).some((n) => n > 0), text);
		await page.screenshot({ path: `${shots}/demo-actions-summary.png`, fullPage: true });
	});
} finally {
	await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
