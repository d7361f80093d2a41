// Display preferences a person sets once: text size and contrast. They apply to <html> as
// data-text / data-contrast, which tokens.css turns into sizes and colours for every component.

const TEXT_SIZES = ["normal", "large", "larger"];
const CONTRASTS = ["normal", "high"];

export class DisplayPreferences extends EventTarget {
  /** storageKey: null on a kiosk (the next person starts with the defaults). */
  constructor({ storageKey = "gare.display" } = {}) {
    super();
    this.storageKey = storageKey;
    this.values = { text: "normal", contrast: "normal" };
    try {
      Object.assign(this.values, JSON.parse((storageKey && localStorage.getItem(storageKey)) || "{}"));
    } catch {
      /* defaults */
    }
    this.apply();
  }

  get text() {
    return this.values.text;
  }
  get contrast() {
    return this.values.contrast;
  }

  set(name, value) {
    const allowed = name === "text" ? TEXT_SIZES : name === "contrast" ? CONTRASTS : null;
    if (!allowed?.includes(value)) throw new RangeError(`display preference ${name}=${value}`);
    this.values[name] = value;
    try {
      if (this.storageKey) localStorage.setItem(this.storageKey, JSON.stringify(this.values));
    } catch {
      /* kept for this page */
    }
    this.apply();
    this.dispatchEvent(new CustomEvent("change", { detail: { ...this.values } }));
  }

  reset() {
    this.set("text", "normal");
    this.set("contrast", "normal");
  }

  apply() {
    const root = document.documentElement;
    for (const [name, value] of Object.entries(this.values)) {
      if (value === "normal") delete root.dataset[name];
      else root.dataset[name] = value;
    }
  }
}

export { CONTRASTS, TEXT_SIZES };
