/* Today's stops on a map, loaded only when the map box is opened (see field/route.js): the plan page's widget
 * (visits/plan_map.js: numbered pins, the tile source and its coordinates, a plain grid when tiles do not load)
 * with one day, plus the phone's own position when it is known. It redraws when the route is drawn again. */
(function () {
  "use strict";
  const route = window.FieldRoute;
  const data = document.createElement("script");
  data.type = "application/json";
  data.id = "today-map-data";
  document.body.append(data);
  let phone = null;

  let drawn = "";
  function draw() {
    const stops = route.state.stops;
    const here = route.state.here;
    const json = JSON.stringify({ depot: null, days: [{ index: 0, label: route.state.day || "", visits: stops.map((stop) => ({
      id: stop.customer_code, seq: stop.sequence, name: stop.name, code: stop.customer_code, lat: stop.latitude, lon: stop.longitude,
      arrival: stop.arrival ? stop.arrival.slice(0, 5) : "", reasons: stop.reasons })) }] });
    if (!window.L || !window.FieldCRMPlanMap) return;  // Leaflet did not load (no network): the list is enough
    const signature = json + (here ? `${here.latitude},${here.longitude}` : "");
    if (signature === drawn) return;  // the same stops: keep the manager's zoom
    drawn = signature;
    data.textContent = json;
    const map = window.FieldCRMPlanMap.render("today-map", "today-map-data");
    if (!map) return;
    if (phone) { phone.remove(); phone = null; }
    if (here) {
      const gcj = document.getElementById("today-map").dataset.coords === "gcj02";
      const at = gcj ? window.FieldCRMPlanMap.wgs84ToGcj02(here.latitude, here.longitude) : [here.latitude, here.longitude];
      phone = window.L.circleMarker(at, { radius: 8, color: "#fff", weight: 2, fillColor: "#0d6efd", fillOpacity: 1 })
        .bindTooltip(route.S.youAreHere, { direction: "top" }).addTo(map);
      phone.getElement().classList.add("today-map-here");
    }
    document.getElementById("today-map").dataset.drawn = String(stops.length);
  }

  document.addEventListener("fieldroute:drawn", draw);
  window.FieldTodayMap = { draw };  // field/route.js draws once Leaflet and the widget are all there
})();
