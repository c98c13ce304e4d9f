// Knowing when a queued job is done. With realtime (socket.io: `bench start` runs it) the job's
// own event refreshes the page; without it (`bench serve` + `bench worker`) nothing would, so the
// page asks the job's status every few seconds until it is no longer queued or running.
import { call } from "./api";

export const POLL_SECONDS = 3;
const MAX_POLLS = 1200; // an hour: a download of 100k records fits well within it

/** True when the socket.io connection is up (events will reach this page). */
export function realtime_connected() {
	return Boolean(frappe.realtime?.socket?.connected);
}

const watching = new Set();

/** After `call()` answered {queued, job_id}: without realtime, poll until the job has finished,
 * then `on_done()`. With realtime, the page's event handlers do it. Answers whether it polls. */
export function watch_job(result, on_done, { force = false } = {}) {
	if (!result?.queued || !result.job_id) return false;
	if (realtime_connected() && !force) return false;
	if (watching.has(result.job_id)) return true;
	watching.add(result.job_id);
	let polls = 0;
	const tick = async () => {
		polls += 1;
		let running = true;
		try {
			running = (await call("get_job_status", { job_id: result.job_id })).running;
		} catch (e) {
			running = polls < MAX_POLLS; // a failed request (server restarting): try again
		}
		if (running && polls < MAX_POLLS) {
			setTimeout(tick, POLL_SECONDS * 1000);
			return;
		}
		watching.delete(result.job_id);
		on_done();
	};
	setTimeout(tick, POLL_SECONDS * 1000);
	return true;
}
