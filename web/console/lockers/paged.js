// A list that grows page by page ("show more"): the rows read so far stay, the next page is added
// under them. Used for cursor-paginated lists (parcels, door openings) and offset-paginated ones
// (mobility systems) alike: load(cursor) answers {items, next} where next is the cursor after.

import { h, replace } from "../../common/dom.js";
import { morePager } from "../kit.js";

/** pagedList({load, table(rows) -> Node}) -> a <div> that loads its first page when start() is called. */
export function pagedList({ load, table }) {
  const root = h("div", { class: "paged-list" });
  let rows = [];
  const draw = (next) => replace(root, table(rows), morePager({ nextCursor: next, onMore: (cursor) => more(cursor) }));
  async function more(cursor) {
    const page = await load(cursor);
    rows = [...rows, ...page.items];
    draw(page.next);
  }
  root.start = () => more(null);
  return root;
}
