// The page without realtime: `bench serve` + `bench worker`, no socket.io (this walk also blocks
// /socket.io in the browser, so a socketio server elsewhere on the bench cannot help). GSTN >
// Download from GSTN asks for the OTP (a wrong one keeps the prompt open with GSTN's error), the
// job runs in the worker, and the page must refresh by itself when the job is done (it polls
// get_job_status). Run by scripts/check_demo.sh on a demo site, or:
// IMS_URL=http://<site>:<port> IMS_DEMO_GSTIN=<the site's demo GSTIN> node tests/browser/polling.test.mjs
// Env: see harness.mjs.
import assert from "node:assert/strict";
import { base, openBrowser, shots } from "./harness.mjs";

const { page, step, logIn, layoutAt, finish } = await openBrowser({ name: "polling-" });
const gstin = process.env.IMS_DEMO_GSTIN;
const otp = process.env.IMS_OTP || "575757";
const numbers = (text) => (text.match(/\d[\d,]*/g) || []).map((n) => Number(n.replace(/,/g, "")));
const calls = []; // [time, method, body] of every whitelisted call the page makes
page.on("response", async (response) => {
	const m = response.url().match(/\/api\/method\/ims_compliance\.api\.(\w+)/);
	if (!m) return;
	let body = null;
	try {
		body = await response.json();
	} catch (e) {
		// a file download or an error page
	}
	calls.push([Date.now(), m[1], body?.message]);
});

try {
	assert.ok(gstin, "IMS_DEMO_GSTIN: the site's demo GSTIN (bench --site <site> execute ims_compliance.services.demo.demo_gstin)");
	await step("log in with socket.io blocked", async () => {
		await page.route("**/socket.io/**", (route) => route.abort());
		await logIn();
		await page.goto(`${base}/app/gst-invoice-management-system?company_gstin=${gstin}&tab=document-view`);
		await page.locator(".ims-tabs").waitFor();
		await page.waitForTimeout(1500);
		assert.equal(await page.evaluate(() => Boolean(frappe.realtime?.socket?.connected)), false);
	});
	let before = 0;
	let queued_at = 0;
	await step("Download from GSTN: a wrong OTP keeps the prompt open with the error, the right one queues the job", async () => {
		before = numbers(await page.locator(".ims-dv-count").innerText().catch(() => "0"))[0] || 0;
		await page.click('.inner-group-button button:has-text("GSTN")');
		await page.locator(".inner-group-button .dropdown-item", { hasText: "Download from GSTN" }).first().click();
		const pick = page.locator(".modal.show", { hasText: "Full download" });
		await pick.locator('select[data-fieldname="company_gstin"]').selectOption(gstin);
		await pick.locator(".btn-primary").click();
		const prompt = page.locator(".modal.show", { hasText: "OTP sent by GSTN" });
		await prompt.waitFor();
		await prompt.locator('input[data-fieldname="otp"]').fill("000000");
		await prompt.locator(".btn-primary").click();
		await prompt.locator(".ims-otp-error").waitFor();
		// frappe's own message box may stand on top: close it, the prompt must still be there
		await page.waitForTimeout(500);
		const boxes = page.locator(".modal.show", { hasText: "OTP Refused" });
		if (await boxes.count()) await boxes.first().locator(".btn-modal-close, .close").first().click().catch(() => {});
		assert.ok(await prompt.isVisible(), "the OTP prompt closed after a wrong OTP");
		await page.screenshot({ path: `${shots}/polling-wrong-otp.png` });
		await prompt.locator('input[data-fieldname="otp"]').fill(otp);
		await prompt.locator(".btn-primary").click();
		await page.locator(".desk-alert, .alert-message", { hasText: "Download queued" }).first().waitFor();
		queued_at = Date.now();
		const queued = calls.find(([, method, body]) => method === "download_from_gstn" && body?.queued);
		assert.ok(queued, `download_from_gstn never answered queued: ${JSON.stringify(calls.map((c) => c.slice(1)))}`);
	});
	await step("without realtime the page polls the job and refreshes itself when it is done", async () => {
		// no reload, no click: the job finishes in the worker, a poll sees it done, and the page
		// reloads its numbers by itself
		const deadline = Date.now() + 240000;
		let done;
		let refreshed;
		while (Date.now() < deadline) {
			done = calls.find(([t, method, body]) => method === "get_job_status" && t >= queued_at && body?.running === false);
			refreshed = done && calls.find(([t, method]) => method === "get_document_view" && t >= done[0]);
			if (refreshed) break;
			await page.waitForTimeout(1000);
		}
		const polls = calls.filter(([t, method]) => method === "get_job_status" && t >= queued_at);
		assert.ok(polls.length >= 1, "the page never asked get_job_status");
		assert.ok(done, `no poll saw the job finished (${polls.length} polls)`);
		assert.ok(refreshed, "the Document View was not reloaded after the job finished");
		await page.waitForTimeout(1000);
		const after = numbers(await page.locator(".ims-dv-count").innerText())[0];
		console.log(`  records ${before} -> ${after}, ${polls.length} polls, refreshed ${refreshed[0] - done[0]} ms after the job was seen done`);
		if (!before) assert.ok(after > 0, "the download brought no records to the page");
		await page.screenshot({ path: `${shots}/polling-after-download.png`, fullPage: true });
	});
	await step("the demo's Document View at 1280 and 1440 px: no value cut in the default columns", async () => {
		await page.goto(`${base}/app/gst-invoice-management-system?company_gstin=${gstin}&tab=document-view`);
		await page.locator('[data-pane="document-view"] .dt-row').first().waitFor();
		for (const width of [1280, 1440]) {
			const layout = await layoutAt(width, `demo-document-view-${width}.png`);
			assert.deepEqual(layout.cut, [], `cut values at ${width} px`);
			assert.equal(layout.sideways, false, `the table (${layout.table} px) scrolls sideways in ${layout.space} px at ${width}`);
		}
	});
} finally {
	await finish();
}
