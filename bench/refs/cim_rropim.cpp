// imx's driver for the authors' C++ RR-OPIM+ (github.com/waetr/Capacity_Constrained_IM), for the
// side-by-side suite `imx bench cim-cpp`. Their own main (exp_batch) runs every baseline for
// minutes; this one runs only method_FOPIM(..., "RR+") on the first AP line and prints its own
// timer, then writes the seeds as "node ap" lines to seeds.txt. Build it outside the project,
// against their headers (the suite looks for /work/ref/cimref/rropim/rropim):
//   g++ -O3 -fopenmp -std=c++17 -I CIM_CHECKOUT/exp/include cim_rropim.cpp -o rropim
// Usage: rropim GRAPH AP_FILE k eps reps
#include "IMs.h"
#include "OPIM_new.h"
#include <fstream>
using namespace std;
int main(int argc, char const *argv[]) {
    if (argc != 6) { printf("usage: rropim graph.txt aps.ap k eps reps\n"); return 2; }
    Graph G(argv[1]);
    G.set_diffusion_model(IC);
    printf("n %ld m %ld\n", (long)G.n, (long)G.m);
    auto A = AP_from_file(argv[2])[0];
    auto k = (int64)atoi(argv[3]);
    auto eps = atof(argv[4]);
    int reps = atoi(argv[5]);
    vector<bi_node> seeds;
    for (int r = 0; r < reps; r++) {
        seeds.clear();
        double t = method_FOPIM(G, k, A, seeds, eps, "RR+");
        printf("rropim+ time %.6f seeds %zu\n", t, seeds.size());
    }
    ofstream out("seeds.txt");
    for (auto &s : seeds) out << s.first << " " << s.second << "\n";
    return 0;
}
