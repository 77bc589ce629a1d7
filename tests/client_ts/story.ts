// The main story, driven through a client generated from the served OpenAPI
// document: a wrong path, field or type in the document fails `tsc` here, and a
// document that promises what the server does not do fails a step below.
//
// Environment (tests/http/test_ts_client.py sets it):
//   TAILTRIBE_URL           the app, started in test mode
//   TAILTRIBE_EMAIL_DIR     the folder the app writes its emails to (.eml)
//   ADMIN_EMAIL, ADMIN_PASSWORD   an admin made with `tailtribe create-admin`
//   STRIPE_WEBHOOK_SECRET   to sign what Stripe itself would send (payouts enabled)
//   PICTURE                 a JPEG to upload

import { createHmac, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import createClient from "openapi-fetch";

import type { components, paths } from "./generated/api.js";

type Schemas = components["schemas"];
type Headers = { Authorization: string };

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const BASE = env("TAILTRIBE_URL");
const EMAIL_DIR = env("TAILTRIBE_EMAIL_DIR");
const PASSWORD = "correct horse battery staple";

const client = createClient<paths>({ baseUrl: BASE });

let stepNumber = 0;
function step(name: string): void {
  stepNumber += 1;
  console.log(`${String(stepNumber).padStart(2)}. ${name}`);
}

// Every answer is checked: the status the document promises and a body.
function ok<T>(
  what: string,
  answer: { data?: T; error?: unknown; response: Response },
  status: number,
): T {
  if (answer.response.status !== status) {
    throw new Error(
      `${what}: HTTP ${answer.response.status}, expected ${status}: ${JSON.stringify(answer.error)}`,
    );
  }
  if (answer.data === undefined) throw new Error(`${what}: no body`);
  return answer.data;
}

function done(what: string, answer: { response: Response; error?: unknown }, status: number): void {
  if (answer.response.status !== status) {
    throw new Error(
      `${what}: HTTP ${answer.response.status}, expected ${status}: ${JSON.stringify(answer.error)}`,
    );
  }
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function runDueJobs(): Promise<Record<string, number>> {
  return ok("run due jobs", await client.POST("/api/v1/test/run-due-jobs"), 200).ran;
}

async function setClock(now: Date | null): Promise<void> {
  const body = { now: now === null ? null : now.toISOString() };
  done("set the clock", await client.PUT("/api/v1/test/clock", { body }), 200);
}

async function login(email: string, password: string = PASSWORD): Promise<Headers> {
  const body = { email, password };
  const token = ok("login", await client.POST("/api/v1/auth/login", { body }), 200);
  return { Authorization: `Bearer ${token.access_token}` };
}

// The plain text of the newest email to `to`, decoded from quoted-printable
// when the app wrote it so.
function newestEmailTo(to: string): string {
  const files = readdirSync(EMAIL_DIR)
    .filter((name) => name.endsWith(".eml"))
    .sort();
  for (const name of files.reverse()) {
    const raw = readFileSync(join(EMAIL_DIR, name), "utf8");
    if (!new RegExp(`^To: .*${to.replace(/[.+]/g, "\\$&")}`, "mi").test(raw)) continue;
    return raw
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  throw new Error(`no email to ${to} in ${EMAIL_DIR}`);
}

async function registerAndVerify(fullName: string): Promise<{ user: Schemas["UserOut"]; headers: Headers }> {
  const email = `${fullName.toLowerCase().replace(/\W+/g, "-")}-${randomUUID().slice(0, 8)}@example.be`;
  const body = { email, password: PASSWORD, full_name: fullName, locale: "en" as const };
  const user = ok("register", await client.POST("/api/v1/auth/register", { body }), 201);
  check(!user.email_verified, "a new account is not verified yet");
  await runDueJobs(); // test mode: emails go out when asked
  const token = /verify-email\?token=([\w-]+)/.exec(newestEmailTo(email))?.[1];
  if (token === undefined) throw new Error("the verification email carries no token");
  done("verify email", await client.POST("/api/v1/auth/verify-email", { body: { token } }), 204);
  const headers = await login(email);
  const me = ok("me", await client.GET("/api/v1/me", { headers }), 200);
  check(me.email_verified, "the email is verified");
  return { user: me, headers };
}

// What Stripe sends, signed as Stripe signs it: no client can do this part.
async function stripeSends(event: object): Promise<void> {
  const payload = JSON.stringify({
    id: `evt_${randomUUID().replace(/-/g, "")}`,
    object: "event",
    created: Math.floor(Date.now() / 1000),
    ...event,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", env("STRIPE_WEBHOOK_SECRET"))
    .update(`${timestamp}.${payload}`)
    .digest("hex");
  const response = await fetch(`${BASE}/api/stripe/webhook`, {
    method: "POST",
    body: payload,
    headers: { "Content-Type": "application/json", "Stripe-Signature": `t=${timestamp},v1=${signature}` },
  });
  if (response.status !== 200) throw new Error(`webhook: HTTP ${response.status}: ${await response.text()}`);
}

// A weekday at 11:00 UTC (12:00 or 13:00 in Brussels), 8 to 14 days ahead:
// inside the caregiver's hours in summer and in winter.
function nextWalkStart(): Date {
  const start = new Date();
  start.setUTCHours(11, 0, 0, 0);
  start.setUTCDate(start.getUTCDate() + 8);
  while (start.getUTCDay() !== 2) start.setUTCDate(start.getUTCDate() + 1); // a Tuesday
  return start;
}

async function main(): Promise<void> {
  await setClock(null);

  step("register and verify a caregiver and an owner");
  const caregiver = await registerAndVerify("Sofie Caregiver");
  const owner = await registerAndVerify("Pieter Owner");

  step("the caregiver fills in a profile, prices and hours, and submits it");
  const profile = ok(
    "create profile",
    await client.POST("/api/v1/caregiver/profile", {
      headers: caregiver.headers,
      body: {
        display_name: "Sofie's Dog Care",
        bio: "Ervaren hondenoppas in Gent met een grote tuin en veel geduld voor elke hond.",
        postcode: "9000",
        city: "Gent",
        latitude: 51.0543,
        longitude: 3.7174,
        service_radius_km: 15,
        accepted_species: ["dog", "cat"],
        max_pets: 3,
        cancellation_policy: "moderate",
      },
    }),
    201,
  );
  ok(
    "set services",
    await client.PUT("/api/v1/caregiver/services", {
      headers: caregiver.headers,
      body: [{ service: "dog_walking", price_cents: 1500, extra_pet_price_cents: 500 }],
    }),
    200,
  );
  ok(
    "set availability",
    await client.PUT("/api/v1/caregiver/availability", {
      headers: caregiver.headers,
      body: {
        weekly: [0, 1, 2, 3, 4].map((weekday) => ({ weekday, start: "08:00", end: "18:00" })),
        blocked: [],
      },
    }),
    200,
  );
  ok("submit", await client.POST("/api/v1/caregiver/submit", { headers: caregiver.headers }), 200);

  step("the caregiver sets up payouts; Stripe reports them enabled");
  const link = ok(
    "payout onboarding",
    await client.POST("/api/v1/caregiver/payouts/onboarding", { headers: caregiver.headers }),
    200,
  );
  check(link.url.length > 0, "an onboarding link");
  const withAccount = ok(
    "own profile",
    await client.GET("/api/v1/caregiver/profile", { headers: caregiver.headers }),
    200,
  );
  const account = withAccount.stripe_account_id;
  if (!account) throw new Error("no connected account after onboarding started");
  await stripeSends({
    type: "account.updated",
    data: { object: { id: account, object: "account", payouts_enabled: true } },
  });

  step("an admin approves the caregiver");
  const admin = await login(env("ADMIN_EMAIL"), env("ADMIN_PASSWORD"));
  const approved = ok(
    "approve",
    await client.POST("/api/v1/admin/caregivers/{caregiver_id}/approve", {
      headers: admin,
      params: { path: { caregiver_id: profile.id } },
      body: { reason: "identity and documents checked" },
    }),
    200,
  );
  check(approved.status === "approved", `approved, not ${approved.status}`);

  step("the owner adds a dog");
  const pet = ok(
    "create pet",
    await client.POST("/api/v1/pets", {
      headers: owner.headers,
      body: { name: "Bruno", species: "dog", breed: "Labrador", weight_kg: 30.5 },
    }),
    201,
  );

  step("the owner searches for a dog walker near Gent");
  const found = ok(
    "search",
    await client.GET("/api/v1/caregivers", {
      params: { query: { service: "dog_walking", latitude: 51.05, longitude: 3.72 } },
    }),
    200,
  );
  const hit = found.items.find((item) => item.id === profile.id);
  if (hit === undefined) throw new Error(`the caregiver is not found: ${JSON.stringify(found)}`);
  check(hit.price_cents === 1500, "the search shows the walk's price");

  step("the owner asks for a quote and books a walk");
  const start = nextWalkStart();
  const end = new Date(start.getTime() + 60 * 60 * 1000);
  const request: Schemas["BookingBody"] = {
    caregiver_id: hit.id,
    service: "dog_walking",
    pet_ids: [pet.id],
    start: start.toISOString(),
    end: end.toISOString(),
    message: "Bruno pulls a bit on the lead.",
  };
  const quote = ok("quote", await client.POST("/api/v1/quotes", { headers: owner.headers, body: request }), 200);
  check(quote.total.amount_cents === 1500, `the quote is 15.00, not ${quote.total.amount_cents}`);
  const booked = ok("book", await client.POST("/api/v1/bookings", { headers: owner.headers, body: request }), 201);
  check(booked.status === "requested", `requested, not ${booked.status}`);
  check(booked.price.total.amount_cents === quote.total.amount_cents, "the booking costs what was quoted");
  const bookingPath = { params: { path: { booking_id: booked.id } } };

  step("the owner pays (simulated card)");
  const paid = await pay(booked, owner.headers);
  check(paid.payment_status === "authorized", `payment authorized, not ${paid.payment_status}`);

  step("the caregiver accepts");
  const accepted = ok(
    "accept",
    await client.POST("/api/v1/bookings/{booking_id}/accept", { headers: caregiver.headers, ...bookingPath }),
    200,
  );
  check(accepted.status === "accepted", `accepted, not ${accepted.status}`);
  check(accepted.payment_status === "captured", `payment captured, not ${accepted.payment_status}`);

  step("owner and caregiver exchange messages, one with a photo");
  const conversation = ok(
    "start conversation",
    await client.POST("/api/v1/conversations", {
      headers: owner.headers,
      body: { caregiver_id: profile.id, body: "Hello Sofie, see you on the walk!" },
    }),
    201,
  );
  const conversationPath = { params: { path: { conversation_id: conversation.id } } };
  const uploaded = ok(
    "upload photo",
    await client.POST("/api/v1/conversations/{conversation_id}/photos", {
      headers: caregiver.headers,
      ...conversationPath,
      body: { file: "park.jpg" },
      bodySerializer: pictureForm,
    }),
    201,
  );
  await runDueJobs(); // the variants are made by a job
  const photo = ok(
    "photo",
    await client.GET("/api/v1/photos/{photo_id}", {
      headers: caregiver.headers,
      params: { path: { photo_id: uploaded.id } },
    }),
    200,
  );
  check(photo.status === "ready", `the photo is ready, not ${photo.status}`);
  ok(
    "post message",
    await client.POST("/api/v1/conversations/{conversation_id}/messages", {
      headers: caregiver.headers,
      ...conversationPath,
      body: { body: "Looking forward to it. Here is the park.", photo_ids: [uploaded.id] },
    }),
    201,
  );
  const messages = ok(
    "list messages",
    await client.GET("/api/v1/conversations/{conversation_id}/messages", {
      headers: owner.headers,
      ...conversationPath,
    }),
    200,
  );
  // The booking's own message opened the conversation; both of ours follow it.
  const bodies = messages.items.map((m) => m.body);
  check(bodies.includes("Hello Sofie, see you on the walk!"), `the owner's message: ${bodies}`);
  check(
    messages.items.some((m) => m.photos.some((p) => p.id === uploaded.id && p.variants !== null)),
    "the owner sees the photo",
  );

  step("the walk happens (test clock) and completes");
  await setClock(new Date(start.getTime() + 60 * 1000));
  check((await runDueJobs())["bookings.start"] === 1, "the walk started");
  await setClock(new Date(end.getTime() + 60 * 60 * 1000));
  check((await runDueJobs())["bookings.complete"] === 1, "the walk completed");
  // Tokens are checked against the app's clock, which moved on: sign in again.
  const ownerNow = await login(owner.user.email);
  const caregiverNow = await login(caregiver.user.email);
  const completed = ok("get booking", await client.GET("/api/v1/bookings/{booking_id}", { headers: ownerNow, ...bookingPath }), 200);
  check(completed.status === "completed", `completed, not ${completed.status}`);

  step("the owner reviews; the caregiver replies");
  const review = ok(
    "review",
    await client.POST("/api/v1/bookings/{booking_id}/review", {
      headers: ownerNow,
      ...bookingPath,
      body: { rating: 5, comment: "Bruno came home tired and happy." },
    }),
    201,
  );
  const replied = ok(
    "reply",
    await client.POST("/api/v1/reviews/{review_id}/reply", {
      headers: caregiverNow,
      params: { path: { review_id: review.id } },
      body: { comment: "Thank you, Bruno is a joy to walk." },
    }),
    201,
  );
  check(replied.reply === "Thank you, Bruno is a joy to walk.", "the reply is shown");

  await setClock(null);
  console.log("the story ran to the end");
}

// openapi-typescript types a binary part as a string: here it is the file's
// name, and the picture goes in its place under the part's name.
function pictureForm(upload: Schemas["PhotoUpload"]): FormData {
  const form = new FormData();
  const picture = new Blob([readFileSync(env("PICTURE"))], { type: "image/jpeg" });
  form.append("file" satisfies keyof Schemas["PhotoUpload"], picture, upload.file);
  return form;
}

// The card held as the owner's browser would have it, played by the simulated
// gateway: the app signs and receives the events Stripe sends for it.
async function pay(booking: Schemas["BookingOut"], headers: Headers): Promise<Schemas["BookingOut"]> {
  const config = ok("config", await client.GET("/api/v1/config"), 200);
  check(config.test_mode, "the app is in test mode");
  check(config.payment_provider === "simulated", `simulated payments, not ${config.payment_provider}`);
  return ok(
    "simulated payment",
    await client.POST("/api/v1/bookings/{booking_id}/simulated-payment", {
      headers,
      params: { path: { booking_id: booking.id } },
      body: { outcome: "succeeded" },
    }),
    200,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`step ${stepNumber} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
