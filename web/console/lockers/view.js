// The lockers section: banks and their compartments, parcels, and the door-opening audit.

import bankView from "./bank.js";
import banksView from "./banks.js";
import openingsView from "./openings.js";
import { parcelView, parcelsView } from "./parcels.js";

export default [banksView, bankView, parcelsView, parcelView, openingsView];
