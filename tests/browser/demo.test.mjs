// Issue 9 acceptance in a real browser: after `bench --site <site> ims-demo` and a download, the page's
// three tabs show non-zero numbers. Run by scripts/check_demo.sh (which prepares the site), or:
// IMS_URL=http://<site>:<port> node tests/browser/demo.test.mjs
// Env: see harness.mjs.
import assert from "node:assert/strict";
import { base, openBrowser, shots } from "./harness.mjs";

const { page, step, logIn, finish } = await openBrowser({ name: "demo-" });
const numbers = (text) => (text.match(/\d[\d,]*/g) || []).map((n) => Number(n.replace(/,/g, "")));
const gstin = process.env.IMS_DEMO_GSTIN; // the site's own (bench --site <site> execute ims_compliance.services.demo.demo_gstin)
const url = (query) => `${base}/app/gst-invoice-management-system?company_gstin=${gstin}&${query}`;

try {
	await step("log in", logIn);
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
	await finish();
}
