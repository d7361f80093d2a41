// The mobility section: vehicle-sharing systems with their feeds, and each system's stations,
// vehicle types and pricing plans.

import systemView from "./system.js";
import systemsView from "./systems.js";

export default [systemsView, systemView];
