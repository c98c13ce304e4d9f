// Browser walk of the "GST Invoice Management System" page in headless Chromium (Debian's), driven by
// playwright-core, against a running `bench serve` on 127.0.0.1. Run: node tests/browser/page.test.mjs
// Env: see harness.mjs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { base, openBrowser, seedOnBench, shots } from "./harness.mjs";

const { page, step, logIn, finish } = await openBrowser({ name: "", acceptDownloads: true });
// The walk seeds its own records (on the bench, as the download writes them: GST Inward Supplies
// are never inserted through REST) under a unique document-number prefix, so it never depends on
// what the site already holds.
const batch = `BT${Date.now().toString(36).toUpperCase().slice(-6)}`;
async function seed() {
	seedOnBench(batch);
}
try {
	await step("log in", async () => {
		await logIn();
		await page.waitForFunction(() => window.frappe?.xcall);
		await seed();
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
	const menu = async (label) => {
		await page.click('.inner-group-button button:has-text("Actions")');
		await page.locator(".inner-group-button .dropdown-item", { hasText: label }).first().click();
	};
	const checkRows = async (n) => {
		const boxes = page.locator('[data-pane="document-view"] .dt-scrollable .dt-row input[type="checkbox"]');
		await boxes.first().waitFor();
		for (let i = 0; i < n; i++) await boxes.nth(i).check();
	};
	const accepted = async () => Number((await page.locator('.ims-card[data-action="Accepted"] .ims-card-value').innerText()).replace(/[^0-9]/g, ""));
	const view = (query) => `${base}/app/gst-invoice-management-system?document_number=${batch}&${query}`;
	await step("Accept on a Missing in PI record is refused with P1", async () => {
		await page.goto(view("match_status=Missing%20in%20PI&tab=document-view"));
		await checkRows(1);
		await menu("Accept");
		await page.locator(".modal.show .btn-primary").click();
		const result = page.locator(".modal.show .ims-refusals");
		await result.waitFor();
		assert.match(await result.innerText(), /P1/);
		await page.screenshot({ path: `${shots}/p1-refusal.png`, fullPage: true });
		await page.keyboard.press("Escape");
	});
	let before = 0;
	await step("select five Exact Match rows and Accept them; the Accepted count rises by five", async () => {
		const exact = view("match_status=Exact%20Match");
		await page.goto(exact);
		await page.locator('.ims-card[data-action="Accepted"]').waitFor();
		const before = await accepted();
		await page.goto(`${exact}&action=No%20Action&tab=document-view`);
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		await checkRows(5);
		await menu("Accept");
		await page.locator(".modal.show .btn-primary").click();
		await page.locator(".alert-message, .desk-alert", { hasText: "5 applied" }).first().waitFor();
		await page.goto(`${exact}&tab=actions-summary`);
		await page.locator('[data-pane="actions-summary"] table').first().waitFor();
		assert.equal(await accepted(), before + 5);
	});
	await step("Upload to GSTN shows what is pending, by action, before anything is sent", async () => {
		await page.goto(view("tab=document-view"));
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		await page.click('.inner-group-button button:has-text("GSTN")');
		await page.locator(".inner-group-button .dropdown-item", { hasText: "Upload to GSTN" }).first().click();
		await page.locator(".modal.show .btn-primary", { hasText: "Upload to GSTN" }).click();
		const confirm = page.locator(".modal.show", { hasText: "not on GSTN yet" });
		await confirm.waitFor();
		const text = await confirm.innerText();
		const pending = Number((text.match(/Accepted:\s*([\d,]+)/) || [0, "0"])[1].replace(/,/g, ""));
		assert.ok(pending >= 5, `expected at least the five accepted rows pending, saw: ${text}`);
		await page.screenshot({ path: `${shots}/upload-summary.png`, fullPage: true });
		await confirm.locator(".btn-secondary, .btn-modal-secondary").first().click();
		await page.click('.inner-group-button button:has-text("GSTN")');
		await page.locator(".inner-group-button .dropdown-item", { hasText: "Recompute GSTR-2B" }).first().click();
		const gen = page.locator(".modal.show", { hasText: "GSTR-2B Period" });
		await gen.waitFor();
		await page.keyboard.press("Escape");
	});
	await step("open a detail dialog with allowed actions and the log", async () => {
		await page.goto(view("match_status=Exact%20Match&action=Accepted&tab=document-view"));
		await page.locator('[data-pane="document-view"] .dt-row .dt-cell__content--col-3').first().click();
		const dialog = page.locator(".modal.show .ims-detail");
		await dialog.waitFor();
		assert.match(await dialog.innerText(), /Action log/);
		assert.match(await dialog.innerText(), /No Action → Accepted/);
		await page.screenshot({ path: `${shots}/detail-dialog.png`, fullPage: true });
		await page.keyboard.press("Escape");
	});
	await step("Export to Excel: the file arrives and opens with openpyxl", async () => {
		await page.goto(view("tab=document-view"));
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		const total = Number((await page.locator(".ims-dv-count").innerText()).replace(/[^0-9]/g, ""));
		const downloading = page.waitForEvent("download");
		await page.click('.inner-group-button button:has-text("Excel")');
		await page.locator(".inner-group-button .dropdown-item", { hasText: "Export" }).first().click();
		const download = await downloading;
		const path = `${shots}/export.xlsx`;
		await download.saveAs(path);
		const rows = execFileSync(process.env.PYTHON || "python3", ["-c",
			"import openpyxl, sys; ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]; print(ws.max_row - 1)", path]).toString().trim();
		assert.equal(Number(rows), total);
	});
	await step("Actions Summary tab shows both tables", async () => {
		await page.goto(`${base}/app/gst-invoice-management-system?tab=actions-summary`);
		await page.locator('[data-pane="actions-summary"] table').nth(1).waitFor();
		const text = await page.locator('[data-pane="actions-summary"] table').first().innerText();
		assert.match(text, /Invoice/);
		await page.screenshot({ path: `${shots}/actions-summary.png`, fullPage: true });
	});
} finally {
	await finish();
}
