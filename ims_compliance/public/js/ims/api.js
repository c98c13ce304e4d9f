// Calls to the whitelisted methods in ims_compliance.api, in one place.
const METHOD = (name) => `ims_compliance.api.${name}`;

/** `opts.silent`: the caller shows a refusal itself (frappe's message box stays closed). */
export function call(name, args = {}, opts = {}) {
	return frappe
		.call({ method: METHOD(name), args, freeze: opts.freeze, freeze_message: opts.freeze_message, silent: opts.silent })
		.then((r) => r.message);
}
