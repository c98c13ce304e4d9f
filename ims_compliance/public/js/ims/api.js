// Calls to the whitelisted methods in ims_compliance.api, in one place.
const METHOD = (name) => `ims_compliance.api.${name}`;

export function call(name, args = {}, opts = {}) {
	return frappe
		.call({ method: METHOD(name), args, freeze: opts.freeze, freeze_message: opts.freeze_message })
		.then((r) => r.message);
}
