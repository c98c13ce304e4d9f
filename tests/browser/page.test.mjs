// Browser walk of the "GST Invoice Management System" page in headless Chromium (Debian's), driven by
// playwright-core, against a running `bench serve` on 127.0.0.1. Run: node tests/browser/page.test.mjs
// Env: see harness.mjs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { base, openBrowser, seedOnBench, shots } from "./harness.mjs";

const { page, browser, step, logIn, layoutAt, finish } = await openBrowser({ name: "", acceptDownloads: true });
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
	await step("Document View at 1280 and 1440 px: every default column visible, no value cut", async () => {
		// the walk's own rows (its hostile supplier names are another walk's business: xss.test.mjs)
		await page.goto(`${base}/app/gst-invoice-management-system?document_number=${batch}-E&tab=document-view`);
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		for (const width of [1280, 1440]) {
			const layout = await layoutAt(width, `document-view-${width}.png`);
			assert.deepEqual(layout.cut, [], `cut values at ${width} px`);
			assert.equal(layout.sideways, false, `the table (${layout.table} px) scrolls sideways in ${layout.space} px at ${width}`);
		}
		await page.setViewportSize({ width: 1440, height: 900 });
	});
	await step("filters, tab, page and sort live in the URL and survive a reload", async () => {
		await page.goto(`${base}/app/gst-invoice-management-system?document_number=${batch}&tab=document-view`);
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		await page.selectOption(".ims-sort-by", "document_number");
		await page.click(".ims-sort-order");
		await page.waitForFunction(() => /sort=document_number/.test(location.search) && /order=asc/.test(location.search));
		assert.match(page.url(), new RegExp(`document_number=${batch}`));
		assert.match(page.url(), /tab=document-view/);
		await page.reload();
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		assert.equal(await page.locator(".ims-sort-by").inputValue(), "document_number");
		const numbers = await page.locator('[data-pane="document-view"] .dt-scrollable .dt-row').allInnerTexts();
		assert.match(numbers[0], new RegExp(`${batch}-E00000`));
		// a page number past the end (an old link) lands on the last page, not an empty one
		await page.goto(`${base}/app/gst-invoice-management-system?document_number=${batch}&tab=document-view&page=9`);
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		assert.match(await page.locator(".ims-page-label").innerText(), /^1-10 of 10$/);
	});
	await step("Next and Previous read pages by the cursor and show the same rows again", async () => {
		const reversed = batch.split("").reverse().join("");
		const sent = [];
		page.on("request", (request) => {
			if (request.url().includes("get_document_view")) sent.push(request.postData() || request.url());
		});
		await page.goto(`${base}/app/gst-invoice-management-system?document_number=${reversed}-P&tab=document-view&sort=document_number&order=asc`);
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		const label = page.locator(".ims-page-label");
		const firstCell = async () => (await page.locator('[data-pane="document-view"] .dt-scrollable .dt-row').first().innerText());
		assert.match(await label.innerText(), /^1-50 of 120$/);
		assert.match(await firstCell(), new RegExp(`${reversed}-P00000`));
		await page.click(".ims-next");
		await page.waitForFunction(() => /^51-100 of 120$/.test(document.querySelector(".ims-page-label").innerText));
		const second = await firstCell();
		assert.match(second, new RegExp(`${reversed}-P00050`));
		assert.match(decodeURIComponent(sent.at(-1)).replace(/\+/g, " "), /after=\[/, "Next sends the previous page's cursor");
		await page.click(".ims-next");
		await page.waitForFunction(() => /^101-120 of 120$/.test(document.querySelector(".ims-page-label").innerText));
		assert.equal(await page.locator(".ims-next").isDisabled(), true);
		await page.click(".ims-prev");
		await page.waitForFunction(() => /^51-100 of 120$/.test(document.querySelector(".ims-page-label").innerText));
		assert.equal(await firstCell(), second);
		assert.match(decodeURIComponent(sent.at(-1)).replace(/\+/g, " "), /after=\[/, "Previous reuses the cursor it kept");
	});
	await step("Yes/No filters, the column picker, periods and plurals read as words", async () => {
		await page.goto(`${base}/app/gst-invoice-management-system?document_number=${batch}&tab=document-view&upload_pending=0&supplier_period=102025`);
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		const pending = page.locator('select[data-fieldname="upload_pending"]');
		assert.deepEqual(await pending.locator("option").allInnerTexts(), ["", "Yes", "No"]);
		assert.equal(await pending.inputValue(), "No"); // an old link's 0
		assert.match(await page.locator(".ims-deadline").innerText(), /^Oct 2025: GSTR-2B cut-off/);
		assert.match(await page.locator(".ims-dv-count").innerText(), /^10 records$/);
		await page.goto(`${base}/app/gst-invoice-management-system?document_number=${batch}-M00001&tab=document-view`);
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		assert.equal(await page.locator(".ims-dv-count").innerText(), "1 record");
		await page.click(".ims-columns");
		const picker = page.locator(".modal.show", { hasText: "Columns" });
		await picker.locator('input[data-unit="section"]').check();
		await picker.locator(".btn-primary").click();
		await page.locator('[data-pane="document-view"] .dt-header', { hasText: "Section" }).waitFor();
		await page.click(".ims-columns");
		await page.locator(".modal.show .btn-secondary, .modal.show .btn-modal-secondary").first().click(); // Reset
		await page.waitForFunction(() => !/Section/.test(document.querySelector('[data-pane="document-view"] .dt-header').innerText));
	});
	await step("a period that is not one says so instead of 'in NaN days'", async () => {
		await page.goto(`${base}/app/gst-invoice-management-system?supplier_period=13x2026`);
		const banner = page.locator(".ims-deadline");
		await banner.waitFor();
		const text = await banner.innerText();
		assert.doesNotMatch(text, /NaN/);
		assert.match(text, /not a period/);
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
		// one date and money format: the user's (dd-mm-yyyy here), rupees with the symbol
		assert.doesNotMatch(await dialog.innerText(), /\b\d{4}-\d{2}-\d{2}\b/);
		assert.match(await dialog.innerText(), /₹/);
		await page.screenshot({ path: `${shots}/detail-dialog.png`, fullPage: true });
		await page.keyboard.press("Escape");
	});
	await step("IMS Action Log list names the record, supplier, company GSTIN, change, reason and user", async () => {
		await page.setViewportSize({ width: 1280, height: 900 });
		await page.goto(`${base}/app/ims-action-log`);
		// the five rows this walk accepted are the newest
		const row = page.locator(".list-row-container .list-row", { hasText: batch }).first();
		await row.waitFor();
		const text = await row.innerText();
		assert.match(text, new RegExp(`${batch}-E`));
		assert.match(text, /Browser Wal/); // the supplier (cut at 1280: its whole name is the cell's title)
		assert.ok(await row.locator('[title="Browser Walk Supplier 27AAPFU0939F1ZV"]').count(), "the supplier cell's title");
		assert.ok(await row.locator('[title="No Action → Accepted"]').count(), "the change");
		assert.match(text, /Accepted/);
		assert.match(text, /Bulk/);
		assert.match(text, /Administrator/);
		const header = await page.locator(".list-row-head").first().innerText();
		for (const label of ["Supplier", "Company GSTIN", "To", "Reason", "User"]) assert.match(header, new RegExp(label));
		await page.screenshot({ path: `${shots}/action-log-list-1280.png` });
		await page.setViewportSize({ width: 1440, height: 900 });
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
	await step("an Accounts User's GSTN menu has no Upload to GSTN nor Recompute GSTR-2B", async () => {
		const email = `ims-walk-${batch.toLowerCase()}@example.com`;
		const password = `Walk-${batch}-${Date.now()}!x`;
		await page.evaluate(
			({ email, password }) =>
				frappe.xcall("frappe.client.insert", {
					doc: { doctype: "User", email, first_name: "Walk", send_welcome_email: 0, new_password: password, roles: [{ role: "Accounts User" }] },
				}),
			{ email, password }
		);
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const user = await context.newPage();
		try {
			await user.goto(`${base}/login`);
			await user.fill("#login_email", email);
			await user.fill("#login_password", password);
			await user.click(".btn-login");
			await user.waitForURL(/\/app/);
			await user.goto(`${base}/app/gst-invoice-management-system`);
			await user.locator(".ims-tabs").waitFor();
			await user.click('.inner-group-button button:has-text("GSTN")');
			const items = await user.locator(".inner-group-button .dropdown-item").allInnerTexts();
			assert.ok(items.some((t) => /Download from GSTN/.test(t)), items.join(", "));
			assert.ok(!items.some((t) => /Upload to GSTN|Recompute GSTR-2B/.test(t)), items.join(", "));
			await user.screenshot({ path: `${shots}/accounts-user-menu.png` });
		} finally {
			await context.close();
			await page.evaluate((email) => frappe.xcall("frappe.client.delete", { doctype: "User", name: email }), email).catch(() => {});
		}
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
