// IMS Settings > Test Connection in a real browser (issue 13): the button asks GSTN for an OTP,
// the OTP prompt logs in, and GSTN's answer is shown (escaped) with the record count.
// Needs IMS Settings pointing at a running sandbox (IMS_URL as in harness.mjs).
import { openBrowser, base } from "./harness.mjs";

const { page, step, logIn, finish } = await openBrowser({ name: "settings-" });

await step("log in", logIn);
await step("open IMS Settings", async () => {
	await page.goto(`${base}/app/ims-settings`);
	await page.waitForSelector('button[data-fieldname="test_connection"]');
});
await step("Test Connection asks GSTN for an OTP and shows its answer", async () => {
	await page.click('button[data-fieldname="test_connection"]');
	const pick = page.locator(".modal.show select[data-fieldname='gstin']");
	await pick.waitFor();
	await pick.selectOption(process.env.IMS_GSTIN || "29AAACI1234K1ZN");
	await page.locator(".modal.show .btn-primary").click();
	await page.waitForSelector(".modal.show :text('GSTN was asked for an OTP')");
	const answer = await page.locator(".modal.show pre").first().innerText();
	if (!answer.includes("status_cd")) throw new Error(`no GSTN answer shown: ${answer}`);
});
await step("the OTP logs in and the count comes back", async () => {
	const otp = page.locator(".modal.show input[data-fieldname='otp']");
	await otp.waitFor();
	await otp.fill("575757");
	await page.locator(".modal.show .btn-primary:has-text('Log in')").click();
	await page.waitForSelector(".modal.show :text('Connected:')", { timeout: 30000 });
	const answer = await page.locator(".modal.show:has-text('Connected:') pre").last().innerText();
	if (!answer.includes("all_oth")) throw new Error(`GETCNT answer not shown: ${answer}`);
	await page.screenshot({ path: "benchmarks/out/screenshots/settings-test-connection.png" });
});
await finish();
