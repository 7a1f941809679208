//! The largest strongly connected part of a directed graph, so that every kept node can reach and
//! be reached from every other: a snapped point is never a trap (a one-way dead end, an island).

/// Marks the nodes of the largest strongly connected component. `edges` are `(tail, head)`.
/// Iterative Tarjan: a recursive one overflows the stack on long rural chains.
pub fn largest_strongly_connected(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    let mut first = vec![0u32; n + 1];
    for &(tail, _) in edges {
        first[tail as usize + 1] += 1;
    }
    for v in 0..n {
        first[v + 1] += first[v];
    }
    let mut heads = vec![0u32; edges.len()];
    let mut fill = first.clone();
    for &(tail, head) in edges {
        heads[fill[tail as usize] as usize] = head;
        fill[tail as usize] += 1;
    }

    const UNVISITED: u32 = u32::MAX;
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut component = vec![u32::MAX; n];
    let mut component_sizes: Vec<usize> = Vec::new();
    let mut next_index = 0u32;
    // Call stack of (node, next edge position).
    let mut calls: Vec<(u32, u32)> = Vec::new();

    for root in 0..n as u32 {
        if index[root as usize] != UNVISITED {
            continue;
        }
        calls.push((root, first[root as usize]));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut position)) = calls.last_mut() {
            if *position < first[v as usize + 1] {
                let w = heads[*position as usize];
                *position += 1;
                if index[w as usize] == UNVISITED {
                    index[w as usize] = next_index;
                    low[w as usize] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    calls.push((w, first[w as usize]));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                let id = component_sizes.len() as u32;
                let mut size = 0;
                loop {
                    let w = stack.pop().expect("Tarjan's stack holds the component");
                    on_stack[w as usize] = false;
                    component[w as usize] = id;
                    size += 1;
                    if w == v {
                        break;
                    }
                }
                component_sizes.push(size);
            }
        }
    }
    let largest = component_sizes
        .iter()
        .enumerate()
        .max_by_key(|(_, &size)| size)
        .map(|(id, _)| id as u32);
    component.iter().map(|&c| Some(c) == largest).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_cycle_and_drops_a_one_way_dead_end() {
        // 0 ⇄ 1 ⇄ 2 ⇄ 0 is strongly connected; 3 is entered by a one-way edge and never left;
        // 4 ⇄ 5 is a smaller island.
        let edges = [
            (0, 1),
            (1, 0),
            (1, 2),
            (2, 1),
            (2, 0),
            (2, 3),
            (4, 5),
            (5, 4),
        ];
        assert_eq!(
            largest_strongly_connected(6, &edges),
            vec![true, true, true, false, false, false]
        );
    }

    #[test]
    fn a_long_chain_does_not_overflow() {
        let n = 200_000u32;
        let edges: Vec<(u32, u32)> = (0..n - 1).flat_map(|v| [(v, v + 1), (v + 1, v)]).collect();
        assert!(largest_strongly_connected(n as usize, &edges)
            .iter()
            .all(|&kept| kept));
    }
}
