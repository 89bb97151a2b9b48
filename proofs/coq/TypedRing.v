(* The typed ring of src/ring/ring_core.c, in two models:

   - the abstract one: a FIFO queue (a list, oldest first) bounded by cap;
   - the concrete one: the C representation, an array of cap slots with a
     head and a tail index in [0, 2*cap), advanced and mapped to slots with
     exactly the C arithmetic (ring_advance, ring_pos, ring_used).

   Proven: every abstract operation keeps RB10 (stored + free = cap) and FIFO
   order (everything popped, followed by what is stored, is everything
   pushed); every concrete operation, seen through the abstraction function,
   is the abstract operation (refinement), and keeps the representation
   invariant; a borrow points at the slot of the oldest element (RB11). *)

From Coq Require Import List Arith Lia.
Import ListNotations.

Section Ring.

Variable A : Type.
Variable cap : nat.
Hypothesis cap_pos : 0 < cap.

(* ---------- Abstract model: a bounded FIFO ---------- *)

Definition free (q : list A) : nat := cap - length q.

(* Copy in as many of xs as fit; also the abstract view of a claim whose
   first k slots are committed (k <= what fits). *)
Definition push (q xs : list A) : list A * nat :=
  let k := Nat.min (length xs) (free q) in (q ++ firstn k xs, k).

(* Take up to n oldest; also a borrow of n followed by its release. *)
Definition pop (q : list A) (n : nat) : list A * list A :=
  (firstn n q, skipn n q).

Theorem rb10_push : forall q xs,
  length q <= cap ->
  let q' := fst (push q xs) in length q' <= cap /\ length q' + free q' = cap.
Proof.
  intros q xs H; simpl. unfold free. rewrite app_length, firstn_length.
  split; lia.
Qed.

Theorem rb10_pop : forall q n,
  length q <= cap ->
  let q' := snd (pop q n) in length q' <= cap /\ length q' + free q' = cap.
Proof.
  intros q n H; simpl. unfold free. rewrite skipn_length. split; lia.
Qed.

Theorem push_count : forall q xs,
  snd (push q xs) = Nat.min (length xs) (free q).
Proof. reflexivity. Qed.

Theorem pop_count : forall q n,
  length (fst (pop q n)) = Nat.min n (length q).
Proof. intros; simpl; apply firstn_length. Qed.

(* FIFO as a trace invariant: popped ++ stored = pushed. *)
Record trace := { pushed : list A; popped : list A; stored : list A }.

Definition fifo (t : trace) : Prop := popped t ++ stored t = pushed t.

Definition trace_push (t : trace) (xs : list A) : trace :=
  let (q', k) := push (stored t) xs in
  {| pushed := pushed t ++ firstn k xs; popped := popped t; stored := q' |}.

Definition trace_pop (t : trace) (n : nat) : trace :=
  let (out, q') := pop (stored t) n in
  {| pushed := pushed t; popped := popped t ++ out; stored := q' |}.

Theorem fifo_push : forall t xs, fifo t -> fifo (trace_push t xs).
Proof.
  intros [pu po st] xs H; unfold fifo, trace_push in *; simpl in *.
  rewrite app_assoc, H. reflexivity.
Qed.

Theorem fifo_pop : forall t n, fifo t -> fifo (trace_pop t n).
Proof.
  intros [pu po st] n H; unfold fifo, trace_pop in *; simpl in *.
  rewrite <- app_assoc, firstn_skipn. exact H.
Qed.

(* What comes out of a pop is the oldest pushed that was not yet popped. *)
Theorem fifo_pop_output : forall t n,
  fifo t -> fst (pop (stored t) n) = firstn n (skipn (length (popped t)) (pushed t)).
Proof.
  intros [pu po st] n H; unfold fifo in H; simpl in *; subst pu.
  rewrite skipn_app, Nat.sub_diag, skipn_all. reflexivity.
Qed.

(* ---------- Concrete model: the C representation ---------- *)

(* ring_advance: i + n, wrapping once at 2*cap. *)
Definition adv (i n : nat) : nat := if i + n <? 2 * cap then i + n else i + n - 2 * cap.
(* ring_pos: the slot of index i. *)
Definition pos (i : nat) : nat := if i <? cap then i else i - cap.
(* ring_used: (head - tail) mod 2*cap, as the C computes it. *)
Definition used (h t : nat) : nat := if t <=? h then h - t else h + 2 * cap - t.

Record ring := { head : nat; tail : nat; slots : nat -> A }.

(* The representation invariant: the indices are in range and head is u
   units past tail for some u <= cap. *)
Definition inv (r : ring) : Prop :=
  tail r < 2 * cap /\ exists u, u <= cap /\ head r = adv (tail r) u.

Definition count (r : ring) : nat := used (head r) (tail r).

(* The abstraction function: the stored elements, oldest first. *)
Definition abs (r : ring) : list A :=
  map (fun j => slots r (pos (adv (tail r) j))) (seq 0 (count r)).

Ltac arith :=
  unfold adv, pos, used in *;
  repeat match goal with
         | |- context [?a <? ?b] => destruct (Nat.ltb_spec a b)
         | |- context [?a <=? ?b] => destruct (Nat.leb_spec a b)
         | H : context [?a <? ?b] |- _ => destruct (Nat.ltb_spec a b)
         | H : context [?a <=? ?b] |- _ => destruct (Nat.leb_spec a b)
         end; lia.

Lemma count_is_u : forall r u, tail r < 2 * cap -> u <= cap -> head r = adv (tail r) u ->
  count r = u.
Proof. intros [h t s] u Ht Hu Hh; unfold count; simpl in *; subst h; arith. Qed.

Lemma abs_length : forall r, length (abs r) = count r.
Proof. intros; unfold abs; rewrite map_length, seq_length; reflexivity. Qed.

Lemma count_le_cap : forall r, inv r -> count r <= cap.
Proof. intros r [Ht [u [Hu Hh]]]; rewrite (count_is_u r u); auto. Qed.

Definition update (s : nat -> A) (k : nat) (x : A) : nat -> A :=
  fun i => if i =? k then x else s i.

(* Writing one element: store it in the head slot, then publish head. *)
Definition write_one (r : ring) (x : A) : ring :=
  {| head := adv (head r) 1; tail := tail r; slots := update (slots r) (pos (head r)) x |}.

(* Reading one element: take the tail slot, then publish tail. *)
Definition read_one (r : ring) : A * ring :=
  (slots r (pos (tail r)), {| head := head r; tail := adv (tail r) 1; slots := slots r |}).

Theorem refine_write_one : forall r x,
  inv r -> count r < cap ->
  inv (write_one r x) /\ abs (write_one r x) = abs r ++ [x].
Proof.
  intros [h t s] x [Ht [u [Hu Hh]]] Hc; simpl in *.
  assert (Hcu : count {| head := h; tail := t; slots := s |} = u)
    by (apply count_is_u; auto).
  rewrite Hcu in Hc.
  assert (Hinv : inv (write_one {| head := h; tail := t; slots := s |} x)).
  { split; simpl; [assumption | exists (S u); split; [lia | subst h; arith]]. }
  split; [exact Hinv|].
  assert (Hc' : count (write_one {| head := h; tail := t; slots := s |} x) = S u)
    by (apply count_is_u; simpl; [assumption | lia | subst h; arith]).
  unfold abs; rewrite Hc', Hcu, seq_S, map_app; simpl.
  f_equal.
  - apply map_ext_in; intros j Hj; apply in_seq in Hj.
    unfold update; destruct (Nat.eqb_spec (pos (adv t j)) (pos h)); [subst h; arith | reflexivity].
  - unfold update; rewrite Hh; destruct (Nat.eqb_spec (pos (adv t u)) (pos (adv t u)));
      [reflexivity | contradiction].
Qed.

Theorem refine_read_one : forall r,
  inv r -> 0 < count r ->
  let (x, r') := read_one r in
  inv r' /\ abs r = x :: abs r'.
Proof.
  intros [h t s] [Ht [u [Hu Hh]]] Hc; simpl in *.
  assert (Hcu : count {| head := h; tail := t; slots := s |} = u)
    by (apply count_is_u; auto).
  rewrite Hcu in Hc.
  assert (Ht' : adv t 1 < 2 * cap) by arith.
  assert (Hh' : h = adv (adv t 1) (u - 1)) by (subst h; arith).
  split.
  - split; simpl; [exact Ht' | exists (u - 1); split; [lia | exact Hh']].
  - assert (Hc' : count {| head := h; tail := adv t 1; slots := s |} = u - 1)
      by (apply count_is_u; simpl; [exact Ht' | lia | exact Hh']).
    unfold abs; simpl; rewrite Hcu, Hc'.
    destruct u as [|u]; [lia|]. simpl. rewrite Nat.sub_0_r.
    assert (Ht0 : adv t 0 = t) by arith.
    rewrite Ht0; f_equal.
    rewrite <- seq_shift, map_map.
    apply map_ext_in; intros j Hj; apply in_seq in Hj.
    f_equal; f_equal; arith.
Qed.

(* Copy-in of a batch: one element at a time, as many as fit. *)
Fixpoint write_list (r : ring) (xs : list A) : ring :=
  match xs with
  | [] => r
  | x :: rest => write_list (write_one r x) rest
  end.

Definition write (r : ring) (xs : list A) : ring * nat :=
  let k := Nat.min (length xs) (cap - count r) in (write_list r (firstn k xs), k).

Lemma refine_write_list : forall xs r,
  inv r -> count r + length xs <= cap ->
  inv (write_list r xs) /\ abs (write_list r xs) = abs r ++ xs.
Proof.
  induction xs as [|x rest IH]; intros r Hinv Hlen; simpl in *.
  - rewrite app_nil_r; auto.
  - destruct (refine_write_one r x Hinv) as [Hinv' Habs']; [lia|].
    assert (Hc' : count (write_one r x) = S (count r))
      by (rewrite <- !abs_length, Habs', app_length; simpl; lia).
    destruct (IH (write_one r x) Hinv') as [Hinv'' Habs'']; [lia|].
    split; [exact Hinv''|]. rewrite Habs'', Habs', <- app_assoc; reflexivity.
Qed.

Theorem refine_write : forall r xs,
  inv r ->
  inv (fst (write r xs)) /\ abs (fst (write r xs)) = fst (push (abs r) xs)
  /\ snd (write r xs) = snd (push (abs r) xs).
Proof.
  intros r xs Hinv. unfold write, push, free; simpl.
  rewrite abs_length.
  pose proof (count_le_cap r Hinv).
  destruct (refine_write_list (firstn (Nat.min (length xs) (cap - count r)) xs) r Hinv)
    as [H1 H2]; [rewrite firstn_length; lia|].
  auto.
Qed.

(* Copy-out of a batch: one element at a time, as many as are stored. *)
Fixpoint read_n (r : ring) (n : nat) : list A * ring :=
  match n with
  | 0 => ([], r)
  | S n' => let (x, r1) := read_one r in let (xs, r2) := read_n r1 n' in (x :: xs, r2)
  end.

Definition read (r : ring) (n : nat) : list A * ring := read_n r (Nat.min n (count r)).

Lemma refine_read_n : forall n r,
  inv r -> n <= count r ->
  let (out, r') := read_n r n in inv r' /\ out = firstn n (abs r) /\ abs r' = skipn n (abs r).
Proof.
  induction n as [|n IH]; intros r Hinv Hn.
  - simpl; split; [exact Hinv | split; reflexivity].
  - cbn [read_n].
    pose proof (refine_read_one r Hinv) as Hone.
    destruct (read_one r) as [x r1] eqn:E.
    destruct Hone as [Hinv1 Habs1]; [lia|].
    assert (Hc1 : count r1 = count r - 1)
      by (rewrite <- !abs_length, Habs1; simpl; lia).
    pose proof (IH r1 Hinv1) as Hrest.
    destruct (read_n r1 n) as [xs r2].
    destruct Hrest as [Hinv2 [Hout Habs2]]; [lia|].
    rewrite Habs1; simpl; subst xs.
    split; [exact Hinv2 | split; [reflexivity | exact Habs2]].
Qed.

Theorem refine_read : forall r n,
  inv r ->
  let (out, r') := read r n in
  inv r' /\ (out, abs r') = pop (abs r) (Nat.min n (count r)).
Proof.
  intros r n Hinv. unfold read.
  pose proof (refine_read_n (Nat.min n (count r)) r Hinv) as H.
  destruct (read_n r (Nat.min n (count r))) as [out r'].
  destruct H as [H1 [H2 H3]]; [lia|].
  unfold pop; rewrite H2, H3; auto.
Qed.

(* RB11 at the model level: the borrowed slot is the tail slot, it holds the
   oldest element, and writing into any free slot leaves it unchanged. *)
Definition borrow (r : ring) : nat := pos (tail r).

Theorem rb11_borrow_oldest : forall r,
  inv r -> 0 < count r -> hd_error (abs r) = Some (slots r (borrow r)).
Proof.
  intros r Hinv Hc. unfold abs, borrow.
  destruct (count r) as [|u]; [lia|]. simpl. f_equal. f_equal. f_equal.
  destruct Hinv as [Ht _]; arith.
Qed.

Theorem rb11_write_spares_borrowed : forall r x,
  inv r -> 0 < count r -> count r < cap ->
  slots (write_one r x) (borrow r) = slots r (borrow r).
Proof.
  intros [h t s] x [Ht [u [Hu Hh]]] Hc0 Hc; unfold borrow; simpl in *.
  assert (Hcu : count {| head := h; tail := t; slots := s |} = u)
    by (apply count_is_u; auto).
  rewrite Hcu in Hc0, Hc.
  unfold update; destruct (Nat.eqb_spec (pos t) (pos h)); [subst h; arith | reflexivity].
Qed.

End Ring.
