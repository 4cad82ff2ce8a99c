-- Entities have named timers now (actors/persistent_entity.hpp, entity_kind::timers): the one
-- timer each kind had, "deadline", takes the name its kind gives it.
UPDATE timers SET name = CASE stream_type
    WHEN 'product' THEN 'reservations'
    WHEN 'cart' THEN 'reservations'
    WHEN 'order' THEN 'steps'
    WHEN 'checkout' THEN 'resume'
  END
WHERE name = 'deadline' AND stream_type IN ('product', 'cart', 'order', 'checkout');
