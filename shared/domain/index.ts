/** The pure rules core: entities, lifecycles and every business rule of RULES.md beside this file, with no I/O and no clock. */
export * from "./model.js";
export * from "./requests.js";
export * from "./lifecycle.js";
export * from "./outcomes.js";
export * from "./provisioning.js";
export * from "./delegatedAdmin.js";
export * from "./time.js";
export * from "./violations.js";
export * from "./rules/roles.js";
export * from "./rules/tenancy.js";
export * from "./rules/callers.js";
export * from "./rules/relationships.js";
export * from "./rules/lineItems.js";
export * from "./rules/migrations.js";
export * from "./rules/answers.js";
export * from "./rules/sweep.js";
export * from "./rules/partnerCenterEvents.js";
