// Stored XSS (issue 14): supplier names that are markup, as GSTN or a portal file could carry them,
// are shown in Document View and the detail dialog as text; no script runs. Run against a running
// `bench serve` (see harness.mjs): node tests/browser/xss.test.mjs
import assert from "node:assert/strict";
import { base, openBrowser, seedOnBench, shots } from "./harness.mjs";

const HOSTILE = ["<img src=x onerror=alert(1)>", "<script>alert(2)</script>"];
const { page, step, logIn, finish } = await openBrowser({ name: "xss-" });
const dialogs = [];
page.on("dialog", async (dialog) => {
	dialogs.push(dialog.message());
	await dialog.dismiss();
});
// any script that runs records itself here, whether through alert, an onerror handler or a <script>
await page.addInitScript(() => {
	window.__ims_alerts = [];
	window.alert = (message) => window.__ims_alerts.push(String(message));
});
const batch = `BX${Date.now().toString(36).toUpperCase().slice(-6)}`;
const alerts = async () => [...dialogs, ...(await page.evaluate(() => window.__ims_alerts || []))];

try {
	await step("log in and seed two records with hostile supplier names", async () => {
		seedOnBench(batch);
		await logIn();
	});
	for (const [i, name] of HOSTILE.entries()) {
		await step(`Document View shows ${JSON.stringify(name)} as text`, async () => {
			await page.goto(`${base}/app/gst-invoice-management-system?document_number=${batch}-X${i}&tab=document-view`);
			const pane = page.locator('[data-pane="document-view"]');
			await pane.locator(".dt-row").first().waitFor();
			await page.waitForTimeout(500);
			const cell = pane.locator(".dt-scrollable .dt-row .dt-cell__content", { hasText: name }).first();
			await cell.waitFor();
			// the Supplier cell shows the name over the GSTIN: its first line is the name, as text
			assert.equal((await cell.innerText()).trim().split("\n")[0], name);
			assert.equal(await pane.locator(".dt-scrollable img, .dt-scrollable script").count(), 0);
			assert.deepEqual(await alerts(), []);
			await page.screenshot({ path: `${shots}/xss-document-view-${i}.png`, fullPage: true });
		});
		await step(`the detail dialog titles ${JSON.stringify(name)} as text`, async () => {
			await page.locator('[data-pane="document-view"] .dt-row .dt-cell__content--col-3').first().click();
			const modal = page.locator(".modal.show", { has: page.locator(".ims-detail") });
			await modal.waitFor();
			await page.waitForTimeout(500);
			const title = (await modal.locator(".modal-title").innerText()).trim();
			assert.ok(title.startsWith(name), `title: ${title}`);
			assert.equal(await modal.locator("img, script").count(), 0);
			assert.deepEqual(await alerts(), []);
			await page.screenshot({ path: `${shots}/xss-detail-${i}.png`, fullPage: true });
			await page.keyboard.press("Escape");
		});
	}
} finally {
	await finish();
}
