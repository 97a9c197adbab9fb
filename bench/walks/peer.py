"""Runs one peer solver on one instance and writes its plan as CSV walk,seq,id.

Usage: python3 peer.py vroom|ortools DOORS.csv K OUT.csv [SECONDS] [EXPLORATION]
Both peers are modelled as capacitated vehicle routing: W = ceil(n/K) vehicles of capacity K, each
door a job of size 1, open routes through a dummy depot at zero cost to and from every door, costs in
decimetres of great-circle distance.
"""
import csv
import math
import sys

import numpy as np


def read_doors(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["id"] for r in rows], np.array([[float(r["lat"]), float(r["lon"])] for r in rows])


def matrix(points):
    lat = np.radians(points[:, 0])[:, None]
    lon = np.radians(points[:, 1])[:, None]
    dlat = lat - lat.T
    dlon = lon - lon.T
    h = np.sin(dlat / 2) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin(dlon / 2) ** 2
    d = 2 * 6371008.8 * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    n = len(points)
    m = np.zeros((n + 1, n + 1), dtype=np.uint32)
    m[:n, :n] = np.rint(d * 10).astype(np.uint32)
    return m


def write(path, ids, routes):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["walk", "seq", "id"])
        walk = 0
        for route in routes:
            if not route:
                continue
            walk += 1
            for seq, door in enumerate(route, 1):
                w.writerow([walk, seq, ids[door]])


def vroom_solve(m, n, k, w, seconds, exploration):
    import vroom
    from datetime import timedelta

    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=m)
    for v in range(w):
        problem.add_vehicle(vroom.Vehicle(v, start=n, end=n, capacity=[k]))
    problem.add_job([vroom.Job(i, location=i, delivery=[1]) for i in range(n)])
    solution = problem.solve(exploration_level=exploration, nb_threads=2, timeout=timedelta(seconds=seconds))
    routes = {}
    df = solution.routes
    for row in df.itertuples():
        if row.type == "job":
            routes.setdefault(row.vehicle_id, []).append(int(row.id))
    return list(routes.values())


def ortools_solve(m, n, k, w, seconds):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    manager = pywrapcp.RoutingIndexManager(n + 1, w, n)
    routing = pywrapcp.RoutingModel(manager)
    mm = m.tolist()

    def cost(i, j):
        return mm[manager.IndexToNode(i)][manager.IndexToNode(j)]

    transit = routing.RegisterTransitCallback(cost)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    demand = routing.RegisterUnaryTransitCallback(lambda i: 0 if manager.IndexToNode(i) == n else 1)
    routing.AddDimensionWithVehicleCapacity(demand, 0, [k] * w, True, "doors")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromSeconds(int(seconds))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        raise SystemExit("OR-Tools found no solution")
    routes = []
    for v in range(w):
        i = routing.Start(v)
        route = []
        while not routing.IsEnd(i):
            node = manager.IndexToNode(i)
            if node != n:
                route.append(node)
            i = solution.Value(routing.NextVar(i))
        routes.append(route)
    return routes


def main():
    peer, doors, k, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 30
    exploration = int(sys.argv[6]) if len(sys.argv) > 6 else 5
    ids, points = read_doors(doors)
    n = len(ids)
    w = math.ceil(n / k)
    m = matrix(points)
    routes = vroom_solve(m, n, k, w, seconds, exploration) if peer == "vroom" else ortools_solve(m, n, k, w, seconds)
    write(out, ids, routes)


if __name__ == "__main__":
    main()
