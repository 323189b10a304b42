/* The studio page: generate, sign in, the library and the public gallery, through the public API.
 *
 * Plain modern JavaScript, no build step. Everything the page knows comes from documented
 * endpoints (window.AimgApi, api.js); nothing is rendered with innerHTML, so text from the API
 * is never markup.
 */
"use strict";

(function () {
  const api = window.AimgApi;
  const PAGE_SIZE = 24;
  const JOBS_KEY = "aimg.studio.jobs";
  const DELETED_KEY = "aimg.studio.deleted";
  const MAX_JOBS = 12;
  const FINAL = new Set(["completed", "failed", "cancelled"]);
  const VIDEO_MEDIA = new Set(["Video", "AnimatedImage"]);

  const state = {
    me: null,
    models: [],
    folders: { private: [], public: [] },
    screen: null,
    libraryItems: new Map(),
    selected: new Set(),
  };

  // --- small helpers -------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    Object.entries(attributes).forEach(([name, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (name === "className") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    children.flat().forEach((child) => {
      if (child === null || child === undefined || child === false) return;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));
  const shortId = (id) => String(id || "").slice(0, 8);
  const signedIn = () => Boolean(state.me && state.me.isAuthenticated);

  function readList(key) {
    try {
      const value = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (_) {
      return [];
    }
  }

  function writeList(key, list) {
    try {
      window.localStorage.setItem(key, JSON.stringify(list));
    } catch (_) {
      /* storage full or refused: the list lasts as long as the page */
    }
  }

  /* The latest API error, as the envelope's errorMessage; never a blank screen. */
  function showError(error, where) {
    const message = error && error.message ? error.message : String(error);
    if (where) {
      where.textContent = message;
      return;
    }
    const box = $("alerts");
    box.replaceChildren(
      el(
        "div",
        { className: "alert" },
        el("p", { text: message }),
        el("button", { type: "button", className: "link", text: "Dismiss", onclick: () => box.replaceChildren() })
      )
    );
  }

  function clearError(where) {
    if (where) where.textContent = "";
  }

  let noticeTimer = null;
  function notice(message) {
    const box = $("notices");
    box.replaceChildren(el("p", { text: message }));
    window.clearTimeout(noticeTimer);
    noticeTimer = window.setTimeout(() => box.replaceChildren(), 6000);
  }

  /* Runs an action for a button: disabled while it runs, errors shown. */
  async function busy(button, action, errorTarget) {
    if (button) button.disabled = true;
    try {
      clearError(errorTarget);
      return await action();
    } catch (error) {
      showError(error, errorTarget);
      return undefined;
    } finally {
      if (button) button.disabled = false;
    }
  }

  function mediaElement(url, mtype, label) {
    if (mtype === "video" || /\.mp4($|\?)/i.test(url || "")) {
      return el("video", { src: url, controls: true, loop: true, muted: true, playsinline: true, preload: "metadata", "aria-label": label });
    }
    return el("img", { src: url, alt: label, loading: "lazy", decoding: "async" });
  }

  function formatWhen(item) {
    const when = item.completedTimestamp || (item.completedDate ? new Date(Number(item.completedDate)).toISOString() : "");
    return when ? new Date(when).toLocaleString() : "";
  }

  // --- screens ---------------------------------------------------------------------------------

  const SCREENS = ["generate", "library", "gallery", "account"];
  const loaders = {
    generate: () => {},
    library: () => openLibrary(),
    gallery: () => openGallery(),
    account: () => {},
  };

  function route() {
    const name = (window.location.hash || "#generate").slice(1);
    const screen = SCREENS.includes(name) ? name : "generate";
    document.querySelectorAll("section[data-screen]").forEach((section) => {
      section.hidden = section.dataset.screen !== screen;
    });
    document.querySelectorAll("[data-nav]").forEach((link) => {
      if (link.dataset.nav === screen) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    const changed = state.screen !== screen;
    state.screen = screen;
    document.body.dataset.view = screen;
    if (changed) {
      const heading = document.querySelector(`[data-screen="${screen}"] h1`);
      if (heading && document.activeElement && document.activeElement.closest("nav")) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
      loaders[screen]();
    }
  }

  // --- who is calling --------------------------------------------------------------------------

  function renderMe() {
    const me = state.me;
    const who = $("who");
    if (!me) {
      who.textContent = "Not connected";
    } else if (signedIn()) {
      who.textContent = `Signed in as ${me.username || me.email}`;
    } else {
      who.textContent = "Guest (not signed in)";
    }
    $("nav-account").textContent = signedIn() ? "Account" : "Sign in";
    $("signed-out").hidden = signedIn();
    $("signed-in").hidden = !signedIn();
    if (signedIn()) {
      $("me-email").textContent = me.email;
      $("me-username").textContent = me.username || "—";
      $("me-tier").textContent = String(me.tier);
      $("me-items").textContent = String(me.itemCount);
    }
    document.body.dataset.signedIn = signedIn() ? "true" : "false";
  }

  async function refreshMe() {
    state.me = (await api.get("/getSelfUser")).payload;
    renderMe();
  }

  // --- generate --------------------------------------------------------------------------------

  function usableModels() {
    const tier = state.me ? state.me.tier : 0;
    return state.models.filter((model) => model.minTier <= tier && (!model.registrationWall || signedIn()));
  }

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  function fillSelect(select, values, selected) {
    select.replaceChildren(...values.map((value) => el("option", { value: String(value), text: String(value), selected: String(value) === String(selected) })));
  }

  function currentModel() {
    return state.models.find((model) => model.modelID === $("model").value) || null;
  }

  function onModelChange() {
    const model = currentModel();
    if (!model) return;
    const [width, height] = model.defaultResolution && model.defaultResolution.length === 2 ? model.defaultResolution : [model.allowedWidths[0], model.allowedHeights[0]];
    const isVideo = VIDEO_MEDIA.has(model.mediaType);
    fillSelect($("width"), model.allowedWidths, width);
    fillSelect($("height"), model.allowedHeights, height);
    $("width").disabled = $("height").disabled = isVideo;
    $("negprompt").disabled = isVideo;
    const steps = $("steps");
    steps.min = String(model.minSteps);
    steps.max = String(model.maxSteps);
    steps.value = String(clamp(Number(steps.value) || 20, model.minSteps, model.maxSteps));
    $("steps-range").textContent = `From ${model.minSteps} to ${model.maxSteps}.`;
    $("model-description").textContent = `${model.description}${isVideo ? " (video)" : ""}`;
  }

  async function loadModels() {
    const keep = $("model").value;
    state.models = (await api.get("/getModels")).payload || [];
    const usable = usableModels();
    const select = $("model");
    // In the order getModels gives them, only those this caller may use.
    select.replaceChildren(...usable.map((model) => el("option", { value: model.modelID, text: model.name, selected: model.modelID === keep })));
    const hidden = state.models.length - usable.length;
    $("model-hint").textContent = hidden
      ? signedIn()
        ? `${hidden} more model${hidden > 1 ? "s need" : " needs"} a higher tier.`
        : `Sign in for ${hidden} more model${hidden > 1 ? "s" : ""}.`
      : "";
    $("generate-button").disabled = usable.length === 0;
    onModelChange();
  }

  async function onGenerate(event) {
    event.preventDefault();
    const errorBox = $("generate-error");
    clearError(errorBox);
    const model = currentModel();
    const prompt = $("prompt").value.trim();
    if (!prompt) {
      showError("Write a prompt first.", errorBox);
      $("prompt").focus();
      return;
    }
    if (!model) {
      showError("No model is available to you.", errorBox);
      return;
    }
    const steps = Number($("steps").value);
    if (!Number.isInteger(steps) || steps < model.minSteps || steps > model.maxSteps) {
      showError(`Steps must be a whole number from ${model.minSteps} to ${model.maxSteps}.`, errorBox);
      $("steps").focus();
      return;
    }
    const seedText = $("seed").value.trim();
    const body = { prompt, modelName: model.modelID, steps };
    if (seedText) body.seed = Number(seedText);
    const isVideo = VIDEO_MEDIA.has(model.mediaType);
    if (!isVideo) {
      const width = Number($("width").value);
      const height = Number($("height").value);
      if (model.maxResolution && width * height > model.maxResolution) {
        showError(`${width} × ${height} is above this model's limit of ${model.maxResolution.toLocaleString()} pixels.`, errorBox);
        return;
      }
      Object.assign(body, { width, height });
      const negprompt = $("negprompt").value.trim();
      if (negprompt) body.negprompt = negprompt;
    }
    await busy(
      $("generate-button"),
      async () => {
        const status = (await api.post(isVideo ? "/generateVideo" : "/generateImage", body)).payload;
        const job = { imageID: status.imageID, prompt, model: model.name, mtype: status.mtype || (isVideo ? "video" : "image") };
        writeList(JOBS_KEY, [job, ...readList(JOBS_KEY).filter((j) => j.imageID !== job.imageID)].slice(0, MAX_JOBS));
        const card = jobCard(job);
        $("jobs").prepend(card);
        $("jobs-empty").hidden = true;
        updateJobCard(card, status);
        if (!FINAL.has(status.status)) pollJob(card, job);
      },
      errorBox
    );
  }

  function jobCard(job) {
    const card = el(
      "li",
      { className: "card job", dataset: { itemId: job.imageID, status: "queued" } },
      el("div", { className: "media" }),
      el(
        "div",
        { className: "body" },
        el("p", { className: "prompt", text: job.prompt }),
        el("p", { className: "muted small", text: `${job.model || ""} · ${shortId(job.imageID)}` }),
        el("p", { className: "status", "aria-live": "polite" }),
        el("progress", { max: "1", value: "0", hidden: true, "aria-label": "Progress" }),
        el("p", { className: "ignored muted small", hidden: true }),
        el("p", { className: "error" }),
        el("button", { type: "button", className: "cancel", text: "Cancel", hidden: true, onclick: () => cancelJob(card, job) })
      )
    );
    return card;
  }

  function describeStatus(status) {
    switch (status.status) {
      case "queued": {
        let text = status.queuePosition ? `Queued: position ${status.queuePosition}` : "Queued";
        if (status.estimatedStartTime) {
          const seconds = Math.round((Date.parse(status.estimatedStartTime) - Date.now()) / 1000);
          text += seconds > 0 ? `, starts in about ${seconds} s` : ", starting now";
        }
        return text;
      }
      case "running":
        return `Generating… ${Math.round((status.progress || 0) * 100)}%`;
      case "completed":
        return "Done";
      case "failed":
        return "Failed";
      case "cancelled":
        return "Cancelled";
      default:
        return status.status;
    }
  }

  function updateJobCard(card, status) {
    card.dataset.status = status.status;
    card.querySelector(".status").textContent = describeStatus(status);
    const progress = card.querySelector("progress");
    progress.hidden = status.status !== "running";
    progress.value = status.status === "completed" ? 1 : status.progress || 0;
    const ignored = card.querySelector(".ignored");
    ignored.hidden = !status.ignoredWords;
    ignored.textContent = status.ignoredWords ? `Filtered words: ${status.ignoredWords}` : "";
    card.querySelector(".error").textContent = status.status === "failed" ? status.errorMessage || "The generation failed." : "";
    card.querySelector(".cancel").hidden = FINAL.has(status.status);
    const media = card.querySelector(".media");
    const label = `Generated from: ${card.querySelector(".prompt").textContent}`;
    const frames = Array.isArray(status.frames) ? status.frames.slice().sort((a, b) => a.frameNumber - b.frameNumber) : [];
    if (status.status === "completed" && status.url) {
      if (media.dataset.url !== status.url) {
        media.dataset.url = status.url;
        media.replaceChildren(mediaElement(status.url, status.mtype, label));
        if (frames.length) media.append(frameStrip(frames));
        // The library lists a job's item from the start, with a stand-in picture: now the real one.
        const item = state.libraryItems.get(card.dataset.itemId);
        if (item && item.url !== status.url) replaceCard(Object.assign(item, { url: status.url, mtype: status.mtype }));
      }
    } else if (frames.length) {
      // A video in progress: its latest frame.
      const last = frames[frames.length - 1];
      media.replaceChildren(el("img", { src: last.frameUrl, alt: `Frame ${last.frameNumber + 1} of ${last.frameCount}` }));
    }
  }

  function frameStrip(frames) {
    return el(
      "details",
      { className: "frames" },
      el("summary", { text: `Frames (${frames.length})` }),
      el("ol", {}, ...frames.map((frame) => el("li", {}, el("img", { src: frame.frameUrl, alt: `Frame ${frame.frameNumber + 1} of ${frame.frameCount}`, loading: "lazy" }))))
    );
  }

  /* getItemStatus until the job ends: about once a second while it runs, backing off while it
   * waits, and honouring Retry-After (or doubling the wait) on a 429. One loop per card: a card
   * drawn again (a sign-in redraws them) gets its own loop, and the old card's loop ends. */
  async function pollJob(card, job, firstWait = 700) {
    if (card.dataset.polling) return;
    card.dataset.polling = "true";
    let delay = 700;
    try {
      for (let first = true; ; first = false) {
        const wait = first ? firstWait : delay;
        await sleep(document.hidden ? Math.max(wait, 10000) : wait);
        if (!card.isConnected) return;
        let status;
        try {
          status = (await api.get("/getItemStatus", { imageID: job.imageID })).payload;
        } catch (error) {
          if (error.status === 429) {
            delay = Math.min(Math.max((error.retryAfter || 0) * 1000, delay * 2), 60000);
            card.querySelector(".error").textContent = `Slowing down: checking again in ${Math.round(delay / 1000)} s.`;
            continue;
          }
          if (error.status === 0 || error.status >= 500) {
            delay = Math.min(delay * 2, 30000);
            card.querySelector(".error").textContent = `${error.message} Retrying in ${Math.round(delay / 1000)} s.`;
            continue;
          }
          card.querySelector(".error").textContent = error.message;
          card.querySelector(".cancel").hidden = true;
          return;
        }
        card.querySelector(".error").textContent = "";
        updateJobCard(card, status);
        if (FINAL.has(status.status)) return;
        delay = status.status === "running" ? 1000 : Math.min(delay * 1.5, 5000);
      }
    } finally {
      delete card.dataset.polling;
    }
  }

  async function cancelJob(card, job) {
    await busy(card.querySelector(".cancel"), async () => {
      const status = (await api.post("/cancelGeneration", { imageID: job.imageID })).payload;
      updateJobCard(card, status);
    }, card.querySelector(".error"));
  }

  function restoreJobs() {
    const jobs = readList(JOBS_KEY);
    $("jobs").replaceChildren();
    $("jobs-empty").hidden = jobs.length > 0;
    jobs.forEach((job) => {
      const card = jobCard(job);
      $("jobs").append(card);
      pollJob(card, job, 0);
    });
  }

  // --- sign in ---------------------------------------------------------------------------------

  async function afterSignIn(user) {
    state.me = user;
    renderMe();
    ["otp-code", "password"].forEach((id) => ($(id).value = ""));
    $("otp-code-step").hidden = true;
    notice(`Signed in as ${user.username || user.email}.`);
    state.libraryOpened = false;
    await loadModels().catch((error) => showError(error));
    restoreJobs();
  }

  function onSignupToggle() {
    $("otp-username-field").hidden = !$("otp-signup").checked;
    $("otp-submit").textContent = $("otp-signup").checked ? "Create account" : "Sign in";
  }

  async function onSendCode() {
    const email = $("otp-email");
    const errorBox = $("otp-error");
    if (!email.value.trim() || !email.checkValidity()) {
      showError("Enter a valid email address.", errorBox);
      email.focus();
      return;
    }
    await busy(
      $("otp-send"),
      async () => {
        const { payload } = await api.post("/requestOTP", { email: email.value.trim(), signUp: $("otp-signup").checked });
        $("otp-code-step").hidden = false;
        $("otp-sent").textContent = (payload && payload.message) || `A code is on its way to ${email.value.trim()}.`;
        $("otp-code").focus();
      },
      errorBox
    );
  }

  async function onCodeSubmit(event) {
    event.preventDefault();
    const errorBox = $("otp-error");
    const email = $("otp-email").value.trim();
    const otp = $("otp-code").value.trim();
    if (!/^\d{6}$/.test(otp)) {
      showError("The code is the 6 digits from the email.", errorBox);
      $("otp-code").focus();
      return;
    }
    await busy(
      $("otp-submit"),
      async () => {
        let user;
        if ($("otp-signup").checked) {
          const body = { email, otp };
          const username = $("otp-username").value.trim();
          if (username) body.username = username;
          user = (await api.post("/createUser", body)).payload;
        } else {
          user = (await api.post("/authenticateUser", { email, otp })).payload;
        }
        await afterSignIn(user);
      },
      errorBox
    );
  }

  async function onPasswordSubmit(event) {
    event.preventDefault();
    const errorBox = $("password-error");
    const email = $("password-email").value.trim();
    const password = $("password").value;
    if (!email || !password) {
      showError("Enter your email and password.", errorBox);
      return;
    }
    await busy($("password-submit"), async () => afterSignIn((await api.post("/authenticateUser", { email, password })).payload), errorBox);
  }

  async function onSignOut() {
    await busy($("sign-out"), async () => {
      await api.post("/signOutUser", {});
      api.clearSession();
      writeList(JOBS_KEY, []);
      writeList(DELETED_KEY, []);
      state.me = await api.start();
      renderMe();
      state.libraryOpened = false;
      await loadModels();
      restoreJobs();
      notice("Signed out.");
    });
  }

  /* The emailed magic link (?b=base64url of {"email", "otp"}), when it points at this page. */
  async function magicLink() {
    const params = new URLSearchParams(window.location.search);
    const b = params.get("b");
    if (!b) return;
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
    try {
      const json = atob(b.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(b.length / 4) * 4, "="));
      const { email, otp } = JSON.parse(json);
      await afterSignIn((await api.post("/authenticateUser", { email, otp })).payload);
    } catch (error) {
      showError(error instanceof SyntaxError ? "The sign-in link is damaged: request a new code." : error);
    }
  }

  function renderAdminKeyState() {
    $("admin-key-state").textContent = api.adminKey() ? "A key is kept for this tab." : "No key kept.";
  }

  // --- paging ----------------------------------------------------------------------------------

  /* A grid fed page by page with nextPaginationIndex; the "Load more" button is also the
   * sentinel that loads the next page when it scrolls into view. */
  class Pager {
    constructor({ grid, more, empty, count, fetchPage, render }) {
      Object.assign(this, { grid, more, empty, count, fetchPage, render });
      this.token = 0;
      this.more.addEventListener("click", () => this.load());
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) this.load();
      });
      this.observer.observe(this.more);
      this.reset(false);
    }

    reset(load = true) {
      this.token += 1;
      this.grid.replaceChildren();
      this.next = null;
      this.done = false;
      this.loading = false;
      this.seen = new Set();
      this.total = null;
      this.more.hidden = true;
      this.empty.hidden = true;
      this.grid.dataset.done = "false";
      if (load) return this.load();
      return Promise.resolve();
    }

    async load() {
      if (this.loading || this.done) return;
      this.loading = true;
      const token = this.token;
      this.grid.setAttribute("aria-busy", "true");
      try {
        const { payload, metadata } = await this.fetchPage(this.next);
        if (token !== this.token) return;
        (payload || []).forEach((item) => {
          if (this.seen.has(item.id)) return;
          this.seen.add(item.id);
          this.grid.append(this.render(item));
        });
        this.next = metadata && metadata.nextPaginationIndex;
        this.done = !this.next;
        if (metadata && typeof metadata.totalCount === "number") this.total = metadata.totalCount;
      } catch (error) {
        if (token === this.token) showError(error);
        return;
      } finally {
        if (token === this.token) {
          this.loading = false;
          this.grid.removeAttribute("aria-busy");
          this.updateFooter();
        }
      }
      // Still in view (a tall screen): the observer will not fire again by itself.
      if (!this.done && this.inView()) this.load();
    }

    inView() {
      const box = this.more.getBoundingClientRect();
      return !this.more.hidden && box.top < window.innerHeight && box.bottom >= 0;
    }

    updateFooter() {
      const shown = this.grid.children.length;
      this.more.hidden = this.done;
      this.empty.hidden = shown > 0 || !this.done;
      const total = this.total === null ? "" : ` of ${this.total}`;
      this.count.textContent = `${shown}${total} shown${this.done ? "" : " (scroll for more)"}`;
      this.grid.dataset.done = this.done ? "true" : "false";
    }

    remove(id) {
      const card = this.grid.querySelector(`[data-item-id="${CSS.escape(id)}"]`);
      if (card) card.remove();
      this.seen.delete(id);
      if (this.total !== null) this.total = Math.max(0, this.total - 1);
      this.updateFooter();
    }
  }

  // --- library ---------------------------------------------------------------------------------

  let libraryPager = null;
  let galleryPager = null;

  function allFolders() {
    return [...state.folders.private.map((f) => ({ ...f, kind: "private" })), ...state.folders.public.map((f) => ({ ...f, kind: "public" }))];
  }

  function folderName(id) {
    if (!id) return "Root folder";
    const folder = allFolders().find((f) => f.id === id);
    return folder ? folder.name : "Folder";
  }

  async function loadFolders() {
    const mine = state.me && state.me.userID;
    const [privateFolders, publicFolders] = await Promise.all([
      api.allPages("/getSelfFolders", { limit: 100 }),
      mine ? api.allPages("/getPublicFolders", { userID: state.me.userID, limit: 100 }) : Promise.resolve([]),
    ]);
    state.folders = { private: privateFolders, public: publicFolders };
    renderFolders();
  }

  function folderOptions(select, { withAll }) {
    const keep = select.value;
    const options = [];
    if (withAll) options.push(el("option", { value: "", text: "All items" }));
    options.push(el("option", { value: "root", text: "Root folder (no folder)" }));
    [
      ["Private folders", state.folders.private],
      ["Public folders", state.folders.public],
    ].forEach(([label, folders]) => {
      if (folders.length) options.push(el("optgroup", { label }, ...folders.map((f) => el("option", { value: f.id, text: f.name }))));
    });
    select.replaceChildren(...options);
    if ([...select.options].some((option) => option.value === keep)) select.value = keep;
  }

  function renderFolders() {
    folderOptions($("library-folder"), { withAll: true });
    folderOptions($("move-target"), { withAll: false });
    const list = $("folder-list");
    const folders = allFolders();
    list.replaceChildren(
      ...(folders.length ? folders.map(folderRow) : [el("li", { className: "muted", text: "No folders yet." })])
    );
  }

  function folderRow(folder) {
    const row = el("li", { dataset: { folderId: folder.id } });
    const show = () =>
      row.replaceChildren(
        el("span", { className: "folder-name", text: folder.name }),
        el("span", { className: "muted small", text: ` ${folder.kind}, ${folder.imageCount} item${folder.imageCount === 1 ? "" : "s"}` }),
        el("button", { type: "button", className: "link", text: "Rename", "aria-label": `Rename folder ${folder.name}`, onclick: edit }),
        el("button", { type: "button", className: "link danger", text: "Delete", "aria-label": `Delete folder ${folder.name}`, onclick: remove })
      );
    const edit = () => {
      const inputId = `rename-${folder.id}`;
      const input = el("input", { id: inputId, value: folder.name, maxlength: "100", required: true });
      const form = el(
        "form",
        { className: "inline", novalidate: true },
        el("label", { for: inputId, text: `New name for ${folder.name}` }),
        input,
        el("button", { type: "submit", text: "Save" }),
        el("button", { type: "button", className: "link", text: "Cancel", onclick: show })
      );
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const name = input.value.trim();
        if (!name) return showError("A folder needs a name.");
        await busy(form.querySelector("[type=submit]"), async () => {
          const path = folder.kind === "public" ? "/setPublicFolderProperties" : "/setSelfFolderProperties";
          await api.post(path, { folderID: folder.id, folderName: name });
          await loadFolders();
          notice(`Folder renamed to ${name}.`);
        });
      });
      row.replaceChildren(form);
      input.focus();
    };
    const remove = async () => {
      await busy(null, async () => {
        await api.del(folder.kind === "public" ? "/deletePublicFolder" : "/deleteSelfFolder", { folderID: folder.id });
        if ($("library-folder").value === folder.id) $("library-folder").value = "";
        await loadFolders();
        await libraryPager.reset();
        notice(`Folder ${folder.name} deleted; its items are in the root folder.`);
      });
    };
    show();
    return row;
  }

  async function onFolderCreate(event) {
    event.preventDefault();
    const name = $("folder-name").value.trim();
    if (!name) {
      showError("A folder needs a name.");
      $("folder-name").focus();
      return;
    }
    await busy($("folder-create-button"), async () => {
      const path = $("folder-kind").value === "public" ? "/createPublicFolder" : "/createSelfFolder";
      const folder = (await api.post(path, { name })).payload;
      $("folder-name").value = "";
      await refreshMe();
      await loadFolders();
      notice(`Folder ${folder.name} created.`);
    });
  }

  function libraryQuery(paginationIndex) {
    const folder = $("library-folder").value;
    return { limit: PAGE_SIZE, folderID: folder || undefined, mtype: $("library-type").value || undefined, paginationIndex };
  }

  function approvalLabel(item) {
    const status = item.publicApprovalStatus || "none";
    if (status === "approved") return item.isPublic ? "Public" : "Approved (private)";
    return { none: "Private", pending: "Awaiting approval", rejected: "Not approved" }[status] || status;
  }

  function libraryCard(item) {
    state.libraryItems.set(item.id, item);
    const label = `Creation ${shortId(item.id)}${formatWhen(item) ? ` from ${formatWhen(item)}` : ""}`;
    const checkboxId = `select-${item.id}`;
    const tagInputId = `tag-${item.id}`;
    const card = el("li", { className: "card item-card", dataset: { itemId: item.id } });
    const tags = el("ul", { className: "tags", "aria-label": "Tags" });
    const renderTags = () =>
      tags.replaceChildren(
        ...(item.tags || []).map((tag) =>
          el(
            "li",
            { className: "tag", dataset: { tag } },
            el("span", { text: tag }),
            el("button", { type: "button", className: "tag-remove", "aria-label": `Remove tag ${tag}`, text: "×", onclick: () => removeTag(item, tag, renderTags) })
          )
        )
      );
    renderTags();
    const tagForm = el(
      "form",
      { className: "tag-form", novalidate: true },
      el("label", { for: tagInputId, className: "visually-hidden", text: "Add a tag" }),
      el("input", { id: tagInputId, className: "tag-input", maxlength: "32", placeholder: "add a tag", autocomplete: "off" }),
      el("button", { type: "submit", className: "tag-add", text: "Add tag" })
    );
    tagForm.addEventListener("submit", (event) => {
      event.preventDefault();
      addTag(item, tagForm, renderTags);
    });
    const like = el("button", {
      type: "button",
      className: "like",
      "aria-pressed": item.isLiked ? "true" : "false",
      text: `♥ ${item.likeCount || 0}`,
      "aria-label": `${item.isLiked ? "Unlike" : "Like"} (${item.likeCount || 0} likes)`,
    });
    like.addEventListener("click", () => toggleLike(item, like));
    const actions = el("div", { className: "item-actions" });
    const status = item.publicApprovalStatus || "none";
    if (status === "none" || status === "rejected") {
      actions.append(el("button", { type: "button", className: "submit-approval", text: "Submit for approval", onclick: (e) => setProperties(item, { publicApprovalStatus: "pending" }, e.target) }));
    }
    if (status === "approved") {
      actions.append(el("button", { type: "button", className: "toggle-public", text: item.isPublic ? "Make private" : "Make public", onclick: (e) => setProperties(item, { isPublic: !item.isPublic }, e.target) }));
    }
    actions.append(el("button", { type: "button", className: "delete danger", text: "Delete", "aria-label": `Delete ${label}`, onclick: (e) => deleteItems([item.id], e.target) }));
    const checkbox = el("input", { type: "checkbox", id: checkboxId, className: "select", checked: state.selected.has(item.id), "aria-label": `Select ${label}` });
    checkbox.addEventListener("change", () => {
      if (checkbox.checked) state.selected.add(item.id);
      else state.selected.delete(item.id);
      renderSelection();
    });
    card.append(
      el("div", { className: "media" }, mediaElement(item.url, item.mtype, label)),
      el(
        "div",
        { className: "body" },
        el("div", { className: "row" }, checkbox, el("label", { for: checkboxId, text: "Select" }), like),
        el("p", { className: "muted small" }, el("span", { className: "badge approval", text: approvalLabel(item) }), " ", el("span", { className: "folder", text: folderName(item.folderID) })),
        tags,
        tagForm,
        actions
      )
    );
    return card;
  }

  function replaceCard(item) {
    const old = $("library-grid").querySelector(`[data-item-id="${CSS.escape(item.id)}"]`);
    if (old) old.replaceWith(libraryCard(item));
  }

  async function addTag(item, form, renderTags) {
    const input = form.querySelector("input");
    const tag = input.value.trim().toLowerCase();
    if (!tag) return;
    await busy(form.querySelector("button"), async () => {
      const { payload } = await api.post("/addTagsToItem", { imageID: item.id, tags: [tag] });
      item.tags = payload.actual;
      renderTags();
      input.value = "";
      input.focus();
      notice(`Tag ${tag} added.`);
    });
  }

  async function removeTag(item, tag, renderTags) {
    await busy(null, async () => {
      const { payload } = await api.post("/removeTagsFromItem", { imageID: item.id, tags: [tag] });
      item.tags = payload.actual;
      renderTags();
      notice(`Tag ${tag} removed.`);
    });
  }

  function outcomeFailures(outcomes) {
    return (outcomes || []).filter((o) => !o.success);
  }

  async function toggleLike(item, button) {
    await busy(button, async () => {
      const liked = Boolean(item.isLiked);
      const { payload } = await api.post(liked ? "/unlikeItems" : "/likeItems", { imageIDs: [item.id] });
      const failed = outcomeFailures(payload);
      if (failed.length) throw new Error(failed[0].message || "The like was not recorded.");
      item.isLiked = !liked;
      item.likeCount = Math.max(0, (item.likeCount || 0) + (liked ? -1 : 1));
      button.setAttribute("aria-pressed", item.isLiked ? "true" : "false");
      button.textContent = `♥ ${item.likeCount}`;
      button.setAttribute("aria-label", `${item.isLiked ? "Unlike" : "Like"} (${item.likeCount} likes)`);
    });
  }

  async function setProperties(item, properties, button) {
    await busy(button, async () => {
      const updated = (await api.post("/setItemProperties", { imageID: item.id, ...properties })).payload;
      replaceCard({ ...item, ...updated });
      notice(properties.publicApprovalStatus === "pending" ? "Submitted for approval." : "Saved.");
    });
  }

  function renderSelection() {
    const count = state.selected.size;
    $("selected-count").textContent = count ? `${count} item${count > 1 ? "s" : ""} selected.` : "No item selected.";
    $("move-button").disabled = $("delete-selected").disabled = count === 0;
  }

  async function onMove() {
    const target = $("move-target").value;
    const destination = target === "root" ? null : target;
    const ids = [...state.selected];
    await busy($("move-button"), async () => {
      // One request per source folder (moveItemsBetweenFolders takes one source).
      const bySource = new Map();
      ids.forEach((id) => {
        const item = state.libraryItems.get(id);
        const source = item ? item.folderID || null : null;
        if (source === destination) return;
        if (!bySource.has(source)) bySource.set(source, []);
        bySource.get(source).push(id);
      });
      const failures = [];
      let moved = 0;
      for (const [source, imageIDs] of bySource) {
        const { payload } = await api.post("/moveItemsBetweenFolders", { sourceFolderID: source, destinationFolderID: destination, imageIDs });
        moved += (payload || []).filter((o) => o.success).length;
        failures.push(...outcomeFailures(payload));
      }
      state.selected.clear();
      renderSelection();
      await loadFolders();
      await libraryPager.reset();
      if (failures.length) showError(`${failures.length} item${failures.length > 1 ? "s" : ""} not moved: ${failures[0].message}`);
      notice(`${moved} item${moved === 1 ? "" : "s"} moved to ${folderName(destination)}.`);
    });
  }

  async function deleteItems(ids, button) {
    await busy(button, async () => {
      const { payload } = await api.del("/deleteItems", { imageIDs: ids });
      const deleted = (payload || []).filter((o) => o.success).map((o) => o.id);
      const failures = outcomeFailures(payload);
      const remembered = readList(DELETED_KEY);
      deleted.forEach((id) => {
        const item = state.libraryItems.get(id) || { id };
        remembered.unshift({ id, url: item.url, mtype: item.mtype });
        state.selected.delete(id);
        libraryPager.remove(id);
      });
      writeList(DELETED_KEY, remembered.slice(0, 50));
      renderSelection();
      renderDeleted();
      if (failures.length) showError(`Not deleted: ${failures[0].message}`);
      if (deleted.length) notice(`${deleted.length} item${deleted.length > 1 ? "s" : ""} deleted.`);
    });
  }

  function renderDeleted() {
    const items = readList(DELETED_KEY);
    $("deleted-panel").hidden = items.length === 0;
    $("deleted-list").replaceChildren(
      ...items.map((item) =>
        el(
          "li",
          { dataset: { itemId: item.id } },
          item.url ? mediaElement(item.url, item.mtype, `Deleted creation ${shortId(item.id)}`) : null,
          el("span", { className: "muted small", text: shortId(item.id) }),
          el("button", { type: "button", className: "restore", text: "Restore", "aria-label": `Restore creation ${shortId(item.id)}`, onclick: (e) => restoreItem(item.id, e.target) }),
          el("button", { type: "button", className: "link", text: "Forget", onclick: () => forgetDeleted(item.id) })
        )
      )
    );
  }

  function forgetDeleted(id) {
    writeList(DELETED_KEY, readList(DELETED_KEY).filter((item) => item.id !== id));
    renderDeleted();
  }

  async function restoreItem(id, button) {
    await busy(button, async () => {
      try {
        const { payload } = await api.post("/restoreItems", { imageIDs: [id] }, { admin: true });
        const failures = outcomeFailures(payload);
        if (failures.length) throw new Error(failures[0].message || "The item was not restored.");
      } catch (error) {
        if (error.status === 403 && !api.adminKey()) {
          error.message = `${error.message} Restoring needs an administration key (Account, Staff).`;
        }
        throw error;
      }
      forgetDeleted(id);
      await libraryPager.reset();
      notice("Item restored to the root folder.");
    });
  }

  async function openLibrary() {
    if (!libraryPager) {
      libraryPager = new Pager({
        grid: $("library-grid"),
        more: $("library-more"),
        empty: $("library-empty"),
        count: $("library-count"),
        fetchPage: (index) => api.get("/getMyCreations", libraryQuery(index)),
        render: libraryCard,
      });
    }
    renderDeleted();
    renderSelection();
    const section = $("screen-library");
    section.dataset.loaded = "false";
    await busy(null, async () => {
      await loadFolders();
      state.selected.clear();
      renderSelection();
      await libraryPager.reset();
    });
    section.dataset.loaded = "true";
  }

  // --- gallery ---------------------------------------------------------------------------------

  function galleryCard(item) {
    const label = `Public creation ${shortId(item.id)}${formatWhen(item) ? ` from ${formatWhen(item)}` : ""}`;
    const like = el("button", { type: "button", className: "like", "aria-pressed": item.isLiked ? "true" : "false", text: `♥ ${item.likeCount || 0}`, "aria-label": `${item.isLiked ? "Unlike" : "Like"} (${item.likeCount || 0} likes)` });
    like.addEventListener("click", () => toggleLike(item, like));
    return el(
      "li",
      { className: "card item-card", dataset: { itemId: item.id } },
      el("div", { className: "media" }, mediaElement(item.url, item.mtype, label)),
      el("div", { className: "body" }, el("div", { className: "row" }, like), el("ul", { className: "tags", "aria-label": "Tags" }, ...(item.tags || []).map((tag) => el("li", { className: "tag", text: tag }))))
    );
  }

  async function openGallery() {
    if (!galleryPager) {
      galleryPager = new Pager({
        grid: $("gallery-grid"),
        more: $("gallery-more"),
        empty: $("gallery-empty"),
        count: $("gallery-count"),
        fetchPage: (index) => api.get("/getPublicCreations", { limit: PAGE_SIZE, folderID: $("gallery-folder").value || undefined, paginationIndex: index }),
        render: galleryCard,
      });
    }
    const section = $("screen-gallery");
    section.dataset.loaded = "false";
    await busy(null, async () => {
      const select = $("gallery-folder");
      const keep = select.value;
      const { payload } = await api.get("/getPublicFolders", { limit: 100 });
      select.replaceChildren(
        el("option", { value: "", text: "All public creations" }),
        ...(payload || []).map((folder) => el("option", { value: folder.id, text: `${folder.name} (${folder.imageCount})` }))
      );
      if ([...select.options].some((option) => option.value === keep)) select.value = keep;
      await galleryPager.reset();
    });
    section.dataset.loaded = "true";
  }

  // --- start -----------------------------------------------------------------------------------

  function bind() {
    window.addEventListener("hashchange", route);
    $("generate-form").addEventListener("submit", onGenerate);
    $("model").addEventListener("change", onModelChange);
    $("otp-signup").addEventListener("change", onSignupToggle);
    $("otp-send").addEventListener("click", onSendCode);
    $("otp-form").addEventListener("submit", onCodeSubmit);
    $("password-form").addEventListener("submit", onPasswordSubmit);
    $("sign-out").addEventListener("click", onSignOut);
    $("admin-key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      api.setAdminKey($("admin-key").value.trim());
      $("admin-key").value = "";
      renderAdminKeyState();
    });
    $("admin-key-forget").addEventListener("click", () => {
      api.setAdminKey("");
      renderAdminKeyState();
    });
    $("library-folder").addEventListener("change", () => libraryPager && libraryPager.reset());
    $("library-type").addEventListener("change", () => libraryPager && libraryPager.reset());
    $("folder-create").addEventListener("submit", onFolderCreate);
    $("move-button").addEventListener("click", onMove);
    $("delete-selected").addEventListener("click", (e) => deleteItems([...state.selected], e.target));
    $("gallery-folder").addEventListener("change", () => galleryPager && galleryPager.reset());
  }

  async function main() {
    bind();
    renderAdminKeyState();
    try {
      state.me = await api.start();
    } catch (error) {
      renderMe();
      showError(error);
      document.body.dataset.ready = "error";
      return;
    }
    renderMe();
    await magicLink();
    try {
      await loadModels();
    } catch (error) {
      showError(error);
    }
    restoreJobs();
    route();
    document.body.dataset.ready = "true";
  }

  main();
})();
