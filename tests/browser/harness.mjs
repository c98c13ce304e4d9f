// What both browser walks share: headless Debian Chromium through playwright-core, numbered
// steps that screenshot on failure, the desk log-in and the TAP-like summary.
// Env: IMS_URL (default http://127.0.0.1:8000), IMS_USER/IMS_PASSWORD (default Administrator/admin),
// IMS_SCREENSHOTS (default ./benchmarks/out/screenshots), CHROMIUM (default /usr/bin/chromium),
// PLAYWRIGHT_CORE (path to the playwright-core package, default resolved from NODE_PATH).
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

export const base = process.env.IMS_URL || "http://127.0.0.1:8000";
export const shots = process.env.IMS_SCREENSHOTS || "benchmarks/out/screenshots";

/** Seed the walk's records on the bench (GST Inward Supplies are never inserted through REST,
 * issue 14). Env: IMS_BENCH (default /opt/ims-bench), IMS_SITE (default: IMS_URL's host). */
export function seedOnBench(batch) {
	const site = process.env.IMS_SITE || new URL(base).hostname;
	const out = execFileSync(
		process.env.BENCH || "bench",
		["--site", site, "execute", "ims_compliance.tests.browser_seed.seed", "--kwargs", JSON.stringify({ batch })],
		{ cwd: process.env.IMS_BENCH || "/opt/ims-bench", env: process.env }
	);
	return out.toString();
}

export async function openBrowser({ name, acceptDownloads = false }) {
	mkdirSync(shots, { recursive: true });
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
			"--disable-component-update", "--disable-sync"],
	});
	const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads });
	page.setDefaultTimeout(20000);
	let passed = 0;
	let failed = 0;
	async function step(title, fn) {
		try {
			await fn();
			passed += 1;
			console.log(`ok - ${title}`);
		} catch (error) {
			failed += 1;
			await page.screenshot({ path: `${shots}/${name}failed-${passed + failed}.png`, fullPage: true }).catch(() => {});
			console.log(`not ok - ${title}\n  ${String(error).split("\n").join("\n  ")}`);
		}
	}
	async function logIn() {
		await page.goto(`${base}/login`);
		await page.fill("#login_email", process.env.IMS_USER || "Administrator");
		await page.fill("#login_password", process.env.IMS_PASSWORD || "admin");
		await page.click(".btn-login");
		await page.waitForURL(/\/app/);
	}
	/** Screenshot Document View at `width` px and list every visible cell of the shown columns
	 * whose text is cut (scrollWidth > clientWidth), and whether the table scrolls sideways. */
	async function layoutAt(width, file) {
		await page.setViewportSize({ width, height: 900 });
		await page.waitForTimeout(300);
		const result = await page.evaluate(() => {
			const pane = document.querySelector('[data-pane="document-view"]');
			const scrollable = pane.querySelector(".dt-scrollable");
			const cut = [];
			const cells = pane.querySelectorAll(".dt-scrollable .dt-row .dt-cell__content, .dt-header .dt-cell__content");
			for (const cell of cells) {
				const col = cell.closest(".dt-cell")?.dataset.colIndex;
				if (col === "0" || !cell.offsetParent) continue; // the checkbox column; hidden cells
				// the cell, and any block inside it that cuts its own text (the two-line Supplier cell)
				for (const el of [cell, ...cell.querySelectorAll("div")]) {
					if (el.clientWidth && el.scrollWidth > el.clientWidth + 1) {
						cut.push(`col ${col}: ${el.innerText.trim()} (${el.scrollWidth} > ${el.clientWidth})`);
						break;
					}
				}
			}
			return {
				cut,
				sideways: scrollable ? scrollable.scrollWidth > scrollable.clientWidth + 1 : null,
				table: scrollable?.scrollWidth,
				space: scrollable?.clientWidth,
			};
		});
		await page.screenshot({ path: `${shots}/${file}`, fullPage: true });
		return result;
	}
	async function finish() {
		await browser.close();
		console.log(`${passed} passed, ${failed} failed`);
		process.exit(failed ? 1 : 0);
	}
	return { page, browser, step, logIn, layoutAt, finish };
}
